using LDae.Files;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Loader;
using System.Security.Cryptography;
using TorchSharp;

namespace LDae.Runtime;

/// <summary>
/// How this process starts libtorch: makes it loadable on this platform, sets the OpenMP and malloc policies
/// before the native libraries load, and sets the thread count deliberately.
/// </summary>
/// <remarks>
/// <para>TorchSharp-cpu 0.107.0's <c>libLibTorchSharp.so</c> requires <c>GLIBCXX_3.4.32</c> (GCC 13's libstdc++)
/// for one symbol, <c>std::ios_base_library_init()</c>, which nothing relocates against. Debian 12 ships libstdc++ up
/// to 3.4.30, so loading fails. Where the libstdc++ this process uses lacks the version, we load a copy of the
/// library in which that single requirement is marked weak, so the loader accepts it.</para>
/// <para>The copy sits beside the original in the build output as <c>libLibTorchSharp.ldae-&lt;hash&gt;.so</c>, named
/// by the SHA-256 of the original it was made from, written once (temp file + rename) and never modified. The
/// original is never touched, so <c>dotnet build</c> has no reason to copy the package's file over it again, and a
/// build racing a running process cannot leave an unpatched or half-written library where that process loads
/// from. Beside the original, the copy finds libtorch through the same <c>$ORIGIN</c> run path.</para>
/// <para>Every entry point goes through here without having to remember it: when LDae.Platform (or a library
/// that calls torch: LDae.Method, LDae.Runner) is loaded, a module initializer sets the process settings and hooks <see cref="Resolve"/> into TorchSharp's native-library loading,
/// so the first torch call of any command, test or benchmark loads the patched copy. <see cref="EnsureLoaded"/>
/// makes that happen at a chosen moment and sets the thread count.</para>
/// <para>TorchSharp loads its library by name, and the runtime's probing maps the original into the process before
/// the loader refuses it for the missing version (and may probe it again later). A build copying the package's file
/// over the original at such a moment truncates a file the loader has mapped, and the process dies of SIGBUS. So,
/// where the copy is needed, the process holds a shared lock on the original for its whole life, from the moment
/// LDae.Platform loads: .NET's File.Copy (and so MSBuild's Copy task) takes an exclusive lock on its destination before
/// truncating it, so such a build waits and retries instead of pulling the pages from under the loader. A build
/// only copies the file when the package's differs (a TorchSharp update); one that must do so while a row runs
/// reports the file as in use and succeeds once the row has ended.</para>
/// </remarks>
public static class TorchRuntime
{
    public const string MissingVersion = "GLIBCXX_3.4.32";
    const string LibraryName = "LibTorchSharp";
    const string LibraryFile = "libLibTorchSharp.so";
    static readonly object Gate = new();
    static bool ready;
    static IntPtr? libraryHandle;
    static FileStream? originalHeld; // held for the life of the process: see the remarks
    /// <summary>The system libstdc++ when it lacks <see cref="MissingVersion"/> (the patched copy is needed), else null; its version table is read once.</summary>
    static readonly Lazy<string?> LibStdCxxLackingVersion = new(() =>
        SystemLibStdCxx() is { } lib && !ElfVersionNeeds.DefinesVersion(lib, MissingVersion) ? lib : null);

    /// <summary>What <see cref="PatchedCopy"/> found or did, for the log and the tests.</summary>
    public enum PatchOutcome { NotNeeded, AlreadyPatched, Patched, LibraryNotFound }

    [ModuleInitializer]
    [SuppressMessage("Usage", "CA2255", Justification = "The resolver must be in place before any code of this library first calls torch, whichever entry point that is.")]
    internal static void Install()
    {
        PrepareProcess();
        originalHeld = HoldOriginalWhilePatchNeeded(AppContext.BaseDirectory);
        var torchSharp = typeof(torch).Assembly;
        // TorchSharp loads LibTorchSharp itself first (NativeLibrary.TryLoad by name, which asks only the load
        // context's event once probing failed), then binds its P/Invokes (which ask the resolver first).
        AssemblyLoadContext.Default.ResolvingUnmanagedDll += (assembly, name) => assembly == torchSharp ? Resolve(name, assembly, null) : IntPtr.Zero;
        NativeLibrary.SetDllImportResolver(torchSharp, Resolve);
    }

    /// <summary>
    /// Makes sure <see cref="Install"/> has run. It is this library's module initializer, so it runs once, before any
    /// code of the library; the libraries that call torch call this from their own module initializer, so that their
    /// first torch call, whichever entry point makes it, finds the process prepared and the resolver in place.
    /// </summary>
    public static void Prepare() => RuntimeHelpers.RunModuleConstructor(typeof(TorchRuntime).Module.ModuleHandle);

    /// <summary>Loads libtorch now (if it is not loaded yet) and sets the number of intra-op threads.</summary>
    public static void EnsureLoaded(int? threads = null)
    {
        lock (Gate)
        {
            if (!ready)
            {
                _ = torch.TryInitializeDeviceType(DeviceType.CPU);
                // NNPACK off for the whole process: libtorch offers it the convolutions oneDNN does not take, and on a
                // CPU NNPACK cannot initialize on (the project's AMD EPYC) every such call logs a warning — thousands per
                // sampled row. Where it would run, it is one more convolution kernel; oneDNN and ATen's own remain.
                if (OperatingSystem.IsLinux()) LibTorchContext.NnpackEnabled = false;
                ready = true;
            }
            if (threads is > 0) torch.set_num_threads(threads.Value);
        }
    }

    /// <summary>TorchSharp's native-library resolver: the loadable LibTorchSharp, or zero (default probing) for the rest.</summary>
    static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (name != LibraryName) return IntPtr.Zero;
        lock (Gate)
        {
            // Decided once: every P/Invoke TorchSharp binds later (some inside a data-parallel step, where the
            // managed heap must not grow) asks again.
            if (libraryHandle is { } known) return known;
            var (outcome, path) = LibStdCxxLackingVersion.Value is null ? (PatchOutcome.NotNeeded, null) : CopyWithWeakVersion(AppContext.BaseDirectory);
            if (outcome == PatchOutcome.Patched)
                Console.Out.WriteLine($"[ldae] wrote {path}: {LibraryFile} with {MissingVersion} marked weak (the system libstdc++ lacks it)");
            libraryHandle = outcome is PatchOutcome.Patched or PatchOutcome.AlreadyPatched ? NativeLibrary.Load(path!) : IntPtr.Zero;
            // libtorch_cpu is mapped by now (a dependency of the library TorchSharp loaded or of the copy above) and
            // no P/Invoke has run yet: the moment to choose MKL's code path, before its first matmul.
            MklCodePath.Apply(LibTorchCpu);
            return libraryHandle.Value;
        }
    }

    /// <summary>Settings native libraries read once, when they load: they must be in place before libtorch is.</summary>
    static void PrepareProcess()
    {
        // libgomp's default long spin-wait made 2-thread steps 3–12× slower on a shared machine, sleeping at
        // once (PASSIVE) wastes a quarter of a quiet one: a bounded spin unless the user chose (see OpenMpWaitPolicy).
        if (OperatingSystem.IsLinux() && OpenMpWaitPolicy.Current() is null && OpenMpWaitPolicy.CurrentSpinCount() is null
            && !OpenMpWaitPolicy.IsOpenMpLoaded())
            OpenMpWaitPolicy.Set(OpenMpWaitPolicy.Bounded);
        // keep freed activation memory in the process between steps (see MallocPolicy)
        MallocPolicy.Apply();
    }

    /// <summary>
    /// A shared lock on the original library (an open read handle) when this platform needs the patched copy, so that
    /// no build rewrites the original while the runtime's probing has it mapped; null where no copy is needed. Waits
    /// while a build holds it (copying it over), as a reader of the file would.
    /// </summary>
    static FileStream? HoldOriginalWhilePatchNeeded(string outputDir)
    {
        if (OriginalIn(outputDir) is not { } original || LibStdCxxLackingVersion.Value is null) return null;
        for (int attempt = 1; ; attempt++)
        {
            try { return new FileStream(original, FileMode.Open, FileAccess.Read, FileShare.Read); }
            catch (IOException) when (attempt < 300) { Thread.Sleep(100); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; } // the load reports what is wrong
        }
    }

    /// <summary>libtorch_cpu's handle (the object already mapped: the loader matches it by file), or zero.</summary>
    static IntPtr LibTorchCpu()
    {
        var beside = OriginalIn(AppContext.BaseDirectory) is { } original ? Path.Combine(Path.GetDirectoryName(original)!, "libtorch_cpu.so") : null;
        return NativeLibrary.TryLoad(beside is not null && File.Exists(beside) ? beside : "libtorch_cpu.so", out var handle) ? handle : IntPtr.Zero;
    }

    static string? OriginalIn(string outputDir) => new[]
    {
        Path.Combine(outputDir, "runtimes", "linux-x64", "native", LibraryFile),
        Path.Combine(outputDir, LibraryFile),
    }.FirstOrDefault(File.Exists);

    /// <summary>
    /// The library to load from <paramref name="outputDir"/>: when <paramref name="libStdCxx"/> lacks
    /// <see cref="MissingVersion"/>, the patched copy beside the original (written now if it is missing); otherwise
    /// nothing (null path: TorchSharp's own probing loads the original).
    /// </summary>
    public static (PatchOutcome Outcome, string? Path) PatchedCopy(string outputDir, string? libStdCxx)
    {
        if (OriginalIn(outputDir) is null) return (PatchOutcome.LibraryNotFound, null);
        if (libStdCxx is null || ElfVersionNeeds.DefinesVersion(libStdCxx, MissingVersion)) return (PatchOutcome.NotNeeded, null);
        return CopyWithWeakVersion(outputDir);
    }

    /// <summary>The copy of the original in <paramref name="outputDir"/> with its <see cref="MissingVersion"/> requirement weak (written now if missing).</summary>
    static (PatchOutcome Outcome, string? Path) CopyWithWeakVersion(string outputDir)
    {
        var original = OriginalIn(outputDir);
        if (original is null) return (PatchOutcome.LibraryNotFound, null);
        var bytes = ReadComplete(original);
        if (!ElfVersionNeeds.Read(bytes).Any(r => r.Version == MissingVersion && !r.IsWeak)) return (PatchOutcome.NotNeeded, null);
        var copy = Path.Combine(Path.GetDirectoryName(original)!, $"libLibTorchSharp.ldae-{Convert.ToHexStringLower(SHA256.HashData(bytes))[..16]}.so");
        if (File.Exists(copy)) return (PatchOutcome.AlreadyPatched, copy);
        ElfVersionNeeds.MarkWeak(bytes, MissingVersion);
        try
        {
            AtomicFile.Write(copy, s => s.Write(bytes)); // a process racing us writes the same bytes
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or StorageException)
        {
            throw new IOException($"cannot write the patched copy {copy} ({e.Message}); the system libstdc++ lacks {MissingVersion}, so " +
                                  $"{original} cannot be loaded as it is: make the build output writable or install GCC 13's libstdc++", e);
        }
        return (PatchOutcome.Patched, copy);
    }

    /// <summary>
    /// The original's bytes once they can be read and parse as a whole ELF file: a build copying the package's file
    /// over it at this moment (a first build, a package update) holds it locked and leaves a short file for a while.
    /// </summary>
    static byte[] ReadComplete(string path)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                var bytes = File.ReadAllBytes(path);
                _ = ElfVersionNeeds.Read(bytes);
                return bytes;
            }
            catch (Exception e) when (e is IOException or InvalidDataException or ArgumentOutOfRangeException or IndexOutOfRangeException && attempt < 100)
            {
                Thread.Sleep(100);
            }
        }
    }

    /// <summary>The libstdc++ mapped into this process (the .NET runtime links it), else the Debian path.</summary>
    public static string? SystemLibStdCxx()
    {
        if (!OperatingSystem.IsLinux()) return null;
        try
        {
            foreach (var line in File.ReadLines("/proc/self/maps"))
            {
                int i = line.IndexOf('/');
                if (i >= 0 && line.Contains("libstdc++.so")) return line[i..];
            }
        }
        catch (IOException) { }
        const string debian = "/usr/lib/x86_64-linux-gnu/libstdc++.so.6";
        return File.Exists(debian) ? debian : null;
    }
}
