# Sourced by demo.sh and eval.sh. Colour (Maven's escape codes) reaches stdout only when it is a terminal and
# NO_COLOR is unset; anywhere else (a pipe, a log file, CI) the codes are stripped.

plain_unless_terminal() {
  if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then
    cat
  else
    sed -u $'s/\x1b\\[[0-9;?]*[A-Za-z]//g'
  fi
}

# Builds target/modelmux.jar when it is missing or older than the sources.
build_jar_if_stale() {
  local jar=target/modelmux.jar
  if [ ! -f "$jar" ] || [ -n "$(find src pom.xml -newer "$jar" -print -quit)" ]; then
    mvn -q -B -DskipTests package 2>&1 | plain_unless_terminal
  fi
}
