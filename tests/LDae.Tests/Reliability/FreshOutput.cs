using System.Diagnostics;
using TorchSharp;

namespace LDae.Tests.Reliability;

/// <summary>
/// The CLI's build output as a build has just left it: hard links to the built files, the package's own (unpatched)
/// libLibTorchSharp.so in place, and no patched copy beside it — what `dotnet build` restores.
/// </summary>
public sealed class FreshOutput : IDisposable
{
    /// <summary>Beside the test binaries, so the hard links stay on one file system.</summary>
    public string Dir { get; } = Path.Combine(AppContext.BaseDirectory, "fresh-ldae-" + Guid.NewGuid().ToString("N")[..8]);

    public string NativeDir => Path.Combine(Dir, "runtimes", "linux-x64", "native");
    public string Original => Path.Combine(NativeDir, "libLibTorchSharp.so");

    /// <summary>The patched copies the runtime wrote (libLibTorchSharp.ldae-&lt;hash&gt;.so).</summary>
    public string[] PatchedCopies => Directory.GetFiles(NativeDir, "libLibTorchSharp.ldae-*.so");

    /// <summary>Where TorchSharp copies the whole of libtorch when it cannot load its native library (it must never).</summary>
    public string FallbackFolder => Path.Combine(Dir, "cpu");

    public FreshOutput()
    {
        var cp = Process.Start(new ProcessStartInfo("cp", ["-al", LdaeProcess.BuiltOutput, Dir]) { RedirectStandardError = true })!;
        var error = cp.StandardError.ReadToEnd();
        cp.WaitForExit();
        if (cp.ExitCode != 0) throw new InvalidOperationException($"cp -al failed: {error}");
        foreach (var copy in PatchedCopies) File.Delete(copy);
        if (Directory.Exists(FallbackFolder)) Directory.Delete(FallbackFolder, recursive: true);
        File.Delete(Original); // a link to the built file: replace it by a file of its own, as the build copies it
        RestoreOriginal();
    }

    /// <summary>What `dotnet build` does to the native library: copies the package's file over it.</summary>
    public void RestoreOriginal() => File.Copy(PackageLibrary, Original, overwrite: true);

    /// <summary>The pristine library in the NuGet package cache.</summary>
    public static string PackageLibrary
    {
        get
        {
            var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
                ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
            var version = typeof(torch).Assembly.GetName().Version!.ToString(3);
            return Path.Combine(packages, "torchsharp", version, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        }
    }

    public void Dispose()
    {
        try { Directory.Delete(Dir, recursive: true); } catch (IOException) { }
    }
}
