# Sourced by demo.sh and eval.sh. The emulator accepts any key; these only tell its two demo "accounts" apart.
export MODELMUX_DEMO_KEY_A="${MODELMUX_DEMO_KEY_A:-demo-account-a}"
export MODELMUX_DEMO_KEY_B="${MODELMUX_DEMO_KEY_B:-demo-account-b}"
export MODELMUX_DEMO_KEY_AZURE="${MODELMUX_DEMO_KEY_AZURE:-demo-azure}"
export MODELMUX_DEMO_KEY_ANTHROPIC="${MODELMUX_DEMO_KEY_ANTHROPIC:-demo-anthropic}"
