#!/bin/sh
# Test custom agent: echoes the protocol, then exposes its params and args as outputs.
echo "custom agent action=$ORBIT_ACTION step=$ORBIT_STEP args=$*"
echo "params=$ORBIT_PARAMS"
echo "params=$ORBIT_PARAMS" >> "$ORBIT_OUTPUT"
echo "args=$*" >> "$ORBIT_OUTPUT"
[ "$1" = "fail" ] && exit 4
exit 0
