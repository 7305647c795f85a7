#!/usr/bin/env bash
# The full reliability run: every fault scenario on a fresh real cluster (redis-server with appendfsync always, or
# the scenario's own, two serving silos + one train silo, the gateway in Client mode) under 200 events/s and 50
# queries/s for 20 s (longer where a scenario needs it),
# then kill -9 once more with Orleans' default failure detection for comparison.
# Writes bench/results/reliability.{json,md} and bench/results/reliability-default-detection.{json,md}.
set -euo pipefail
cd "$(dirname "$0")/../.."
dotnet build cli -c Release -nologo -clp:ErrorsOnly
reco() { dotnet cli/bin/Release/net10.0/reco.dll "$@"; }
status=0
reco bench reliability --event-rate 200 --query-rate 50 --seconds 20 \
  --out bench/results/reliability.json --markdown bench/results/reliability.md || status=$?
reco bench reliability --event-rate 200 --query-rate 50 --seconds 20 --scenarios kill9-serving-silo --default-failure-detection \
  --out bench/results/reliability-default-detection.json --markdown bench/results/reliability-default-detection.md || status=$?
exit "$status"
