#!/usr/bin/env bash
# LDae build entry point: ./build.sh [--target=NAME] [--profile=ci|quick|quick-cifar10|cpu|paper] [--device=cpu|cuda] [--force] [--tree]
set -euo pipefail
cd "$(dirname "$0")"

# Fashion-MNIST comes from Debian's dataset-fashion-mnist; install it where we can (root on Debian).
if [ ! -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ] && [ ! -f "${LDAE_DATA:-.data}/fashion-mnist/train-images-idx3-ubyte.gz" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "build.sh: installing Fashion-MNIST (apt-get install dataset-fashion-mnist)"
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dataset-fashion-mnist >/dev/null
  else
    echo "build.sh: Fashion-MNIST not found. On Debian/Ubuntu: sudo apt-get install dataset-fashion-mnist;" >&2
    echo "          elsewhere the Data target downloads it into \${LDAE_DATA:-.data}/fashion-mnist." >&2
  fi
fi

# libtorch's OpenMP threads spin-wait for milliseconds by default, which slows training several-fold on a shared
# machine; every ldae process (and test host) sets a ~20 µs bounded spin itself unless these are set
# (LDae.Runtime.OpenMpWaitPolicy). Export OMP_WAIT_POLICY=PASSIVE on a heavily shared machine.

dotnet tool restore >/dev/null
# build.cake loads the harness assembly (#r), so it must exist before Cake compiles the script.
dotnet build src/LDae.Harness -c Release -nologo -v q -clp:ErrorsOnly >/dev/null
exec dotnet cake build/build.cake "$@"
