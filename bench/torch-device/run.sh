#!/usr/bin/env bash
# Packs the device benchmark for a machine that has a GPU and a PyTorch installation but no .NET and no network:
# builds it with -p:RecoTorchBackend=system (no libtorch package inside), and writes out/torch-device/ with the app
# and a .NET runtime archive. On the GPU machine:
#   mkdir -p /tmp/dotnet && tar xJf dotnet.tar.xz -C /tmp/dotnet
#   LD_LIBRARY_PATH=$(python3 -c 'import torch,os;print(os.path.dirname(torch.__file__))')/lib \
#     /tmp/dotnet/dotnet app/OrleansReco.TorchDeviceBench.dll results 40
set -euo pipefail
cd "$(dirname "$0")/../.."
out=out/torch-device
rm -rf "$out" && mkdir -p "$out"
dotnet publish bench/torch-device -c Release -p:RecoTorchBackend=system -o "$out/app" -nologo -clp:ErrorsOnly
# Keep only TorchSharp's own native glue for Linux; libtorch comes from the GPU machine's PyTorch.
find "$out/app/runtimes" -type f ! -path '*/linux-x64/*' -delete
find "$out/app/runtimes" -type d -empty -delete
dotnet_root="$(dirname "$(readlink -f "$(command -v dotnet)")")"
tar -C "$dotnet_root" -cJf "$out/dotnet.tar.xz" dotnet host shared/Microsoft.NETCore.App
du -sh "$out"/*
