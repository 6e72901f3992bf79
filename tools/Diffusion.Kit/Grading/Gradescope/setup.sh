#!/usr/bin/env bash
# Installs what the Diffusion kit's grader needs on Gradescope's Ubuntu image (22.04) and builds it. Gradescope runs
# this once when it builds the autograder; the Dockerfile beside it runs the same script, so both images are alike.
set -euo pipefail
SOURCE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export DEBIAN_FRONTEND=noninteractive DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

apt-get update -qq
apt-get install -y -qq --no-install-recommends ca-certificates curl libicu-dev libgomp1 util-linux > /dev/null

# The .NET SDK global.json names, under /usr: a confined submission sees only the system's /usr and /lib.
curl -sSfL https://dot.net/v1/dotnet-install.sh -o /tmp/dotnet-install.sh
bash /tmp/dotnet-install.sh --jsonfile "$SOURCE/global.json" --install-dir /usr/share/dotnet
ln -sf /usr/share/dotnet/dotnet /usr/local/bin/dotnet

cd "$SOURCE"
dotnet build -c Release tools/Diffusion.Kit
KIT="$SOURCE/tools/Diffusion.Kit/bin/Release/net10.0/linux-x64/Diffusion.Kit.dll"
printf '#!/bin/sh\nexec dotnet %s "$@"\n' "$KIT" > /usr/local/bin/diffusion-kit
chmod 755 /usr/local/bin/diffusion-kit "$SOURCE/run_autograder"
diffusion-kit doctor
