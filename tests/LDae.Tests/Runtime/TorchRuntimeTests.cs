using System.Security.Cryptography;
using LDae.Runtime;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace LDae.Tests.Runtime;

public class TorchRuntimeTests
{
    /// <summary>The pristine library in the NuGet package cache (read only; the fix must never write there).</summary>
    static string PackageLibrary()
    {
        var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var path = Path.Combine(packages, "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        Assert.True(File.Exists(path), $"expected the TorchSharp package at {path}");
        return path;
    }

    static string OutputDirWithCopy()
    {
        var dir = Path.Combine(Path.GetTempPath(), "ldae-rt-" + Guid.NewGuid().ToString("N")[..8]);
        var native = Path.Combine(dir, "runtimes", "linux-x64", "native");
        Directory.CreateDirectory(native);
        File.Copy(PackageLibrary(), Path.Combine(native, "libLibTorchSharp.so"));
        return dir;
    }

    static string FakeLibStdCxx(bool definesVersion)
    {
        var path = Path.Combine(Path.GetTempPath(), "ldae-libstdcxx-" + Guid.NewGuid().ToString("N")[..8]);
        File.WriteAllBytes(path, System.Text.Encoding.ASCII.GetBytes(definesVersion ? "\0GLIBCXX_3.4.30\0GLIBCXX_3.4.32\0" : "\0GLIBCXX_3.4.30\0GLIBCXX_3.4.3\0"));
        return path;
    }

    [Fact]
    public void The_package_library_requires_the_version_strongly_and_only_from_libstdcxx()
    {
        var needs = ElfVersionNeeds.Read(File.ReadAllBytes(PackageLibrary()));
        var req = Assert.Single(needs, r => r.Version == TorchRuntime.MissingVersion);
        Assert.Equal("libstdc++.so.6", req.File);
        Assert.False(req.IsWeak);
        Assert.Contains(needs, r => r.Version == "GLIBC_2.2.5");
    }

    [Fact]
    public void Marking_weak_flips_one_flag_bit_and_is_idempotent()
    {
        var original = File.ReadAllBytes(PackageLibrary());
        var bytes = (byte[])original.Clone();
        Assert.True(ElfVersionNeeds.MarkWeak(bytes, TorchRuntime.MissingVersion));
        Assert.False(ElfVersionNeeds.MarkWeak(bytes, TorchRuntime.MissingVersion));
        var changed = Enumerable.Range(0, bytes.Length).Where(i => bytes[i] != original[i]).ToList();
        Assert.Single(changed);
        Assert.Equal(ElfVersionNeeds.VerFlagWeak, bytes[changed[0]] ^ original[changed[0]]);
        var after = ElfVersionNeeds.Read(bytes);
        Assert.True(after.Single(r => r.Version == TorchRuntime.MissingVersion).IsWeak);
        Assert.All(after.Where(r => r.Version != TorchRuntime.MissingVersion), r => Assert.False(r.IsWeak));
        Assert.Throws<InvalidDataException>(() => ElfVersionNeeds.MarkWeak(bytes, "GLIBCXX_9.9.99"));
        Assert.Throws<InvalidDataException>(() => ElfVersionNeeds.Read([1, 2, 3]));
    }

    [Fact]
    public void A_patched_copy_is_written_beside_the_original_only_where_the_system_lacks_the_version_and_nothing_else_changes()
    {
        var packageBefore = SHA256.HashData(File.ReadAllBytes(PackageLibrary()));
        var dir = OutputDirWithCopy();
        var native = Path.Combine(dir, "runtimes", "linux-x64", "native");
        var original = Path.Combine(native, "libLibTorchSharp.so");
        var originalBefore = SHA256.HashData(File.ReadAllBytes(original));

        Assert.Equal((TorchRuntime.PatchOutcome.NotNeeded, null), TorchRuntime.PatchedCopy(dir, FakeLibStdCxx(definesVersion: true)));
        Assert.Single(Directory.GetFiles(native));

        var old = FakeLibStdCxx(definesVersion: false);
        var (outcome, copy) = TorchRuntime.PatchedCopy(dir, old);
        Assert.Equal(TorchRuntime.PatchOutcome.Patched, outcome);
        Assert.Equal(native, Path.GetDirectoryName(copy)); // beside the original: the same $ORIGIN run path finds libtorch
        Assert.Contains(Convert.ToHexStringLower(originalBefore)[..16], Path.GetFileName(copy)); // named by what it was made from
        Assert.True(ElfVersionNeeds.Read(File.ReadAllBytes(copy!)).Single(r => r.Version == TorchRuntime.MissingVersion).IsWeak);
        Assert.Equal((TorchRuntime.PatchOutcome.AlreadyPatched, copy), TorchRuntime.PatchedCopy(dir, old));
        Assert.Equal(2, Directory.GetFiles(native).Length); // no temporary file left

        // The original (which a build may copy over at any time) and the package are never written.
        Assert.Equal(originalBefore, SHA256.HashData(File.ReadAllBytes(original)));
        Assert.Equal(packageBefore, SHA256.HashData(File.ReadAllBytes(PackageLibrary())));
        Assert.Equal(TorchRuntime.PatchOutcome.LibraryNotFound, TorchRuntime.PatchedCopy(Path.GetTempPath(), old).Outcome);
        Directory.Delete(dir, recursive: true);
    }

    [Fact]
    public void TorchSharp_loads_and_runs_a_forward_and_backward_pass()
    {
        TorchRuntime.EnsureLoaded(threads: 1);
        using var scope = NewDisposeScope();
        using var g = new Generator(0);
        var layer = nn.Linear(4, 3);
        var x = randn(8, 4, generator: g);
        var loss = layer.forward(x).pow(2).mean();
        loss.backward();
        Assert.True(float.IsFinite(loss.item<float>()));
        Assert.True(layer.weight!.grad!.abs().sum().item<float>() > 0);
        Assert.StartsWith("2.10.0", torch.__version__);
    }
}
