using LDae.Files;

using LDae.Data;
using LDae.Runtime;
using Xunit;

namespace LDae.Tests.Data;

/// <summary>The decoded-dataset cache: keyed by source and options, atomic, and self-healing when damaged.</summary>
public sealed class DatasetCacheTests : IDisposable
{
    readonly TempDir tmp = new();
    readonly string source;
    public DatasetCacheTests()
    {
        TorchRuntime.EnsureLoaded(threads: 1);
        source = tmp.Sub("source");
        foreach (var split in new[] { "train", "test" })
            for (int c = 0; c < 2; c++)
                for (int i = 0; i < 3; i++)
                    DataTestFiles.WriteFile(source, $"{split}/class{c}/{i}.png", DataTestFiles.Png(10 * c + i + (split == "test" ? 100 : 0)));
    }
    public void Dispose() => tmp.Dispose();

    DatasetSpec Spec(int? size = null) => new("imagefolder", source, size);

    [Fact]
    public void A_leftover_temporary_file_is_ignored()
    {
        var cache = tmp.Sub("cache1");
        var final = Datasets.CacheFile(Spec(), cache);
        // What an interrupted prepare leaves: a temp file beside the final name, full of partial bytes.
        File.WriteAllBytes(LDae.Files.AtomicFile.TempName(final), "LDAEDATA partial"u8.ToArray());
        var log = new StringWriter();
        using var loaded = Datasets.Load(Spec(), cache, log);
        Assert.Contains("decoded", log.ToString());
        Assert.True(File.Exists(final));
        using var direct = ImageFolder.Read(source, datasetName: "imagefolder");
        Assert.True(DataTestFiles.Equal(direct.Train.Images, loaded.Train.Images));
        using var again = Datasets.Load(Spec(), cache, log);
        Assert.Contains("read cache", log.ToString());
    }

    [Fact]
    public void A_truncated_or_foreign_cache_file_is_rebuilt_not_trusted()
    {
        var cache = tmp.Sub("cache2");
        var path = Datasets.Prepare(Spec(), cache);
        var bytes = File.ReadAllBytes(path);
        foreach (var damaged in new[] { bytes[..(bytes.Length - 10)], bytes[..40], "not a cache"u8.ToArray() })
        {
            File.WriteAllBytes(path, damaged);
            var log = new StringWriter();
            using var s = Datasets.Load(Spec(), cache, log);
            Assert.Contains("ignoring cache", log.ToString());
            Assert.Equal(6, s.Train.Count);
            Assert.Equal(bytes, File.ReadAllBytes(path)); // rebuilt to the same content
        }
    }

    [Fact]
    public void Pixels_changed_in_place_are_detected_by_the_hash_and_rebuilt()
    {
        var cache = tmp.Sub("cache-hash");
        var log = new StringWriter();
        string sha;
        using (var built = Datasets.Load(Spec(), cache, log)) sha = built.Sha256!;
        Assert.Matches("^[0-9a-f]{64}$", sha);
        var path = Datasets.CacheFile(Spec(), cache);
        var pristine = File.ReadAllBytes(path);
        using (var read = Datasets.Load(Spec(), cache, log)) Assert.Equal(sha, read.Sha256);

        // Overwrite pixels in place: same length, same markers, a valid-looking file.
        var damaged = (byte[])pristine.Clone();
        for (int i = damaged.Length - 60; i < damaged.Length - 44; i++) damaged[i] ^= 0x5a;
        File.WriteAllBytes(path, damaged);
        log = new StringWriter();
        using (var rebuilt = Datasets.Load(Spec(), cache, log))
        {
            Assert.Contains("changed in place", log.ToString());
            Assert.Equal(sha, rebuilt.Sha256);
        }
        Assert.Equal(pristine, File.ReadAllBytes(path));
    }

    [Fact]
    public void Prepare_builds_once_and_load_then_reads_it()
    {
        var cache = tmp.Sub("cache3");
        var log = new StringWriter();
        var path = Datasets.Prepare(Spec(), cache, log);
        Assert.True(File.Exists(path));
        Assert.Equal(path, Datasets.Prepare(Spec(), cache, log));
        Assert.Contains("up to date", log.ToString());
        using var s = Datasets.Load(Spec(), cache, log);
        Assert.Contains("read cache", log.ToString());
        Assert.Equal(["class0", "class1"], s.Test.ClassNames);
        Assert.Equal("imagefolder/test", s.Test.Name);
    }

    [Fact]
    public void Options_and_source_changes_use_a_different_cache_file()
    {
        var cache = tmp.Sub("cache4");
        var native = Datasets.Prepare(Spec(), cache);
        var resized = Datasets.Prepare(Spec(2), cache);
        var limited = Datasets.Prepare(Spec() with { PerClassLimit = 1 }, cache);
        Assert.Equal(3, new[] { native, resized, limited }.Distinct().Count());
        // Editing an image changes the source identity (size/time), hence the key.
        var image = Path.Combine(source, "train", "class0", "0.png");
        File.WriteAllBytes(image, DataTestFiles.Png(77));
        File.SetLastWriteTimeUtc(image, DateTime.UtcNow.AddMinutes(1));
        Assert.NotEqual(native, Datasets.CacheFile(Spec(), cache));
        using var s = Datasets.Load(Spec(), cache);
        Assert.Equal(77, s.Train.Images[0, 0, 0, 0].item<byte>());
    }

    [Fact]
    public void A_failed_write_leaves_neither_a_final_nor_a_temporary_file()
    {
        var cache = tmp.Sub("cache5");
        var splits = ImageFolder.Read(source);
        splits.Test.Dispose(); // writing the test split now fails half-way through the file
        var path = Path.Combine(cache, "broken" + DatasetCache.Extension);
        Assert.ThrowsAny<Exception>(() => DatasetCache.Write(path, "key", splits));
        Assert.Empty(Directory.GetFiles(cache));
        splits.Train.Dispose();
    }

    [Fact]
    public void A_cache_built_for_another_key_is_not_used()
    {
        var cache = tmp.Sub("cache6");
        using var splits = ImageFolder.Read(source);
        var path = Path.Combine(cache, "x" + DatasetCache.Extension);
        DatasetCache.Write(path, "key-a", splits);
        using (var a = DatasetCache.TryRead(path, "key-a")) Assert.NotNull(a);
        var log = new StringWriter();
        Assert.Null(DatasetCache.TryRead(path, "key-b", log));
        Assert.Contains("built from 'key-a'", log.ToString());
    }

    [Fact]
    public void Default_cache_dir_is_the_environment_variable_else_the_repo_data_folder_else_the_user_cache()
    {
        // The explicit overload: no process-wide environment changes while other test classes run.
        Assert.Equal(tmp.Path, Datasets.DefaultCacheDir(tmp.Path, repoSearchStart: null));
        var root = Datasets.FindRepoRoot(AppContext.BaseDirectory);
        Assert.NotNull(root);
        Assert.True(File.Exists(Path.Combine(root, "LDae.sln")));
        Assert.Equal(Path.Combine(root, ".data"), Datasets.DefaultCacheDir(null, AppContext.BaseDirectory));
        Assert.Null(Datasets.FindRepoRoot(tmp.Path));
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        Assert.Equal(Path.Combine(home, ".cache", "ldae"), Datasets.DefaultCacheDir("  ", tmp.Path));
    }
}
