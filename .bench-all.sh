#!/bin/bash
# One hold of the heavy lock: lifecycle before (phase-1 tree) and after, then deployed.
cd /work/wt/speed
echo "### lifecycle BEFORE (45f8c74)"; date
PYTHONPATH=/tmp/speed-before timeout 240 .venv/bin/python bench/lifecycle.py --servers 20 --transports inproc fake --latency-calls 100 2>&1 | grep -v -i "eventlet\|framework\|deprecat\|^$\|noauth\|get_rpc_server"
echo "### lifecycle AFTER"; date
timeout 240 .venv/bin/python bench/lifecycle.py --servers 20 --transports inproc fake --latency-calls 100 2>&1 | grep -v -i "eventlet\|framework\|deprecat\|^$\|noauth\|get_rpc_server"
echo "### deployed AFTER"; date
timeout 300 .venv/bin/python -u bench/deployed.py --servers 50 --computes 2 --conductors 1 2 2>&1 | grep -v -i "eventlet\|framework\|deprecat\|^$"
date
