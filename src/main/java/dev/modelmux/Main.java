package dev.modelmux;
public class Main { public static void main(String[] a) {} }
