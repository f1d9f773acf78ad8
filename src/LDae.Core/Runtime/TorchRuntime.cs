using TorchSharp;

namespace LDae.Runtime;

/// <summary>
/// The one entry point before any <c>torch.*</c> call: makes libtorch loadable on this platform, sets the
/// thread count deliberately and seeds the generators.
/// </summary>
/// <remarks>
/// TorchSharp-cpu 0.107.0's <c>libLibTorchSharp.so</c> requires <c>GLIBCXX_3.4.32</c> (GCC 13's libstdc++)
/// for one symbol, <c>std::ios_base_library_init()</c>, which nothing relocates against. Debian 12 ships
/// libstdc++ up to 3.4.30, so loading fails. Where the libstdc++ this process already uses lacks the
/// version, we mark that single requirement weak in the copy next to our assembly (build output; never
/// the NuGet cache), so the loader accepts it. Doing it here rather than in an MSBuild step covers every
/// output folder (CLI, test host, benchmark) with one tested code path, before the library is first
/// loaded. The write is atomic (temp + rename, which also breaks any hard link to the package cache).
/// </remarks>
public static class TorchRuntime
{
    public const string MissingVersion = "GLIBCXX_3.4.32";
    static readonly object Gate = new();
    static bool _ready;

    /// <summary>What <see cref="PatchIfNeeded"/> did, for the log and the tests.</summary>
    public enum PatchOutcome { NotNeeded, AlreadyPatched, Patched, LibraryNotFound }

    public static void EnsureLoaded(int? threads = null, TextWriter? log = null)
    {
        lock (Gate)
        {
            if (!_ready)
            {
                // libgomp's default long spin-wait made 2-thread steps 3–12× slower on a shared machine, sleeping at
                // once (PASSIVE) wastes a quarter of a quiet one: a bounded spin unless the user chose (see OpenMpWaitPolicy).
                if (OperatingSystem.IsLinux() && OpenMpWaitPolicy.Current() is null && OpenMpWaitPolicy.CurrentSpinCount() is null
                    && !OpenMpWaitPolicy.IsOpenMpLoaded())
                    OpenMpWaitPolicy.Set(OpenMpWaitPolicy.Bounded);
                // keep freed activation memory in the process between steps (see MallocPolicy)
                MallocPolicy.Apply();
                var outcome = PatchIfNeeded(AppContext.BaseDirectory, SystemLibStdCxx());
                if (outcome == PatchOutcome.Patched)
                    (log ?? Console.Error).WriteLine($"[ldae] marked {MissingVersion} weak in the build-output copy of libLibTorchSharp.so (system libstdc++ lacks it)");
                _ = torch.TryInitializeDeviceType(DeviceType.CPU);
                _ready = true;
            }
            if (threads is > 0) torch.set_num_threads(threads.Value);
        }
    }

    /// <summary>Patches <c>libLibTorchSharp.so</c> under <paramref name="outputDir"/> when <paramref name="libStdCxx"/> lacks the version.</summary>
    public static PatchOutcome PatchIfNeeded(string outputDir, string? libStdCxx)
    {
        var candidates = new[]
        {
            Path.Combine(outputDir, "runtimes", "linux-x64", "native", "libLibTorchSharp.so"),
            Path.Combine(outputDir, "libLibTorchSharp.so"),
        }.Where(File.Exists).ToList();
        if (candidates.Count == 0) return PatchOutcome.LibraryNotFound;
        if (libStdCxx is null || ElfVersionNeeds.DefinesVersion(libStdCxx, MissingVersion)) return PatchOutcome.NotNeeded;

        var outcome = PatchOutcome.AlreadyPatched;
        foreach (var lib in candidates)
        {
            var bytes = File.ReadAllBytes(lib);
            if (!ElfVersionNeeds.Read(bytes).Any(r => r.Version == MissingVersion)) continue;
            if (!ElfVersionNeeds.MarkWeak(bytes, MissingVersion)) continue;
            var tmp = lib + ".patch-" + Environment.ProcessId;
            File.WriteAllBytes(tmp, bytes);
            File.Move(tmp, lib, overwrite: true);
            outcome = PatchOutcome.Patched;
        }
        return outcome;
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
