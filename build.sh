#!/usr/bin/env bash
# LDae build entry point: ./build.sh [--target=NAME] [--profile=ci|quick|quick-cifar10|cpu|paper] [--device=cpu|cuda] [--force]
#   [--set KEY=VALUE …] [--estimate]
#   [--executor=local|slurm [--partition=P] [--slurm-args="…"] [--no-wait]] [--tree]
set -euo pipefail
# dotnet needs a home folder; a caller may have none in its environment (env -u HOME, some service managers).
[ -n "${HOME:-}" ] || export HOME=~
# Folders named relative to where the caller stands mean the same to the build as to ldae run from there.
for var in LDAE_RESULTS LDAE_DATA LDAE_CIFAR10; do
  value=${!var:-}
  if [ -n "$value" ] && [ "${value#/}" = "$value" ]; then export "$var=$PWD/$value"; fi
done
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

# Colour and cursor movement only on a terminal (https://no-color.org); the build and its children honour NO_COLOR.
[ -t 1 ] || export NO_COLOR="${NO_COLOR:-1}"

# One build compiles at a time: two started together would write the same bin/ and obj/ files (MSB4018). The lock is
# released before the rows run; the Build target takes it again while it compiles the solution (BuildDriver.CompileLock).
exec 9>build/.compile.lock
if command -v flock >/dev/null 2>&1; then flock 9; fi
dotnet tool restore >/dev/null
# build.cake loads the harness assembly (#r), so it must exist before Cake compiles the script.
dotnet build src/LDae.Harness -c Release -nologo -v q -clp:ErrorsOnly >/dev/null
exec 9>&-

# Cake's own output is its per-task banner and task table; the build prints one line per target and a summary
# table instead. --verbosity=normal (or diagnostic) brings Cake's back.
cake_args=(--settings_noreport=true)
case " $* " in *" --verbosity"*|*" -v "*|*" --v="*) ;; *) cake_args+=(--verbosity=minimal) ;; esac

# exec Cake's own assembly, not `dotnet cake` (the tool launcher, which would stay in between as a parent that
# dies on SIGTERM and orphans the build): this PID becomes the build, which forwards SIGINT/SIGTERM to the rows it
# runs and waits for them (LDae.Harness.Execution.Interrupt).
cake_version=$(grep -A2 '"cake.tool"' .config/dotnet-tools.json | sed -n 's/.*"version": *"\([^"]*\)".*/\1/p')
packages=${NUGET_PACKAGES:-$HOME/.nuget/packages}
[ -d "$packages/cake.tool/$cake_version" ] || packages=$(dotnet nuget locals global-packages --list | sed -n 's/^global-packages: *//p')
# The newest of the tool's target frameworks that an installed .NET runtime can run.
runtime=$(dotnet --list-runtimes | sed -n 's/^Microsoft.NETCore.App \([0-9]*\)\..*/\1/p' | sort -n | tail -n 1)
cake_dll=
for dll in $(ls -d "$packages/cake.tool/$cake_version"/tools/net*/any/Cake.dll 2>/dev/null | sort -V); do
  tfm=${dll%/any/Cake.dll}; major=${tfm##*/net}; major=${major%%.*}
  if [[ "$major" =~ ^[0-9]+$ && -n "$runtime" && "$major" -le "$runtime" ]]; then cake_dll=$dll; fi
done
if [ -n "$cake_dll" ]; then
  exec dotnet "$cake_dll" build/build.cake "${cake_args[@]}" "$@"
fi
echo "build.sh: Cake.dll of cake.tool $cake_version not found under $packages; running it through \`dotnet cake\`" >&2
exec dotnet cake build/build.cake "${cake_args[@]}" "$@"
