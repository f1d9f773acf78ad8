using LDae.Data;
using LDae.Files;
using LDae.Runtime;
using Xunit;
using static TorchSharp.torch;

namespace LDae.Tests.Data;

/// <summary>The content digest of a dataset: the same for any copy of the same pixels and labels, another for any change.</summary>
public sealed class DataDigestTests : IDisposable
{
    readonly TempDir tmp = new();

    public DataDigestTests() => TorchRuntime.EnsureLoaded(threads: 1);
    public void Dispose() => tmp.Dispose();

    /// <summary>An ImageFolder's files: two classes, three PNGs each per split; <paramref name="changed"/> gets other pixels.</summary>
    static List<(string Name, byte[] Content)> Images(string? changed = null) =>
        [.. from split in new[] { "train", "test" }
            from c in Enumerable.Range(0, 2)
            from i in Enumerable.Range(0, 3)
            let name = $"{split}/class{c}/{i}.png"
            select (name, DataTestFiles.Png(10 * c + i + (split == "test" ? 100 : 0) + (name == changed ? 1 : 0)))];

    string Folder(string name, IEnumerable<(string Name, byte[] Content)> files)
    {
        var root = tmp.Sub(name);
        foreach (var (file, content) in files) DataTestFiles.WriteFile(root, file, content);
        return root;
    }

    string Tar(string name, IEnumerable<(string Name, byte[] Content)> files)
    {
        var path = Path.Combine(tmp.Sub(name), "copy.tar.gz");
        DataTestFiles.WriteTar(path, files.Select(f => (f.Name, (byte[]?)f.Content)));
        return path;
    }

    [Fact]
    public void The_same_pixels_from_another_path_or_archive_have_the_same_digest_though_their_caches_differ()
    {
        var cache = tmp.Sub("cache");
        var folder = new DatasetSpec("imagefolder", Folder("a", Images()));
        var elsewhere = new DatasetSpec("imagefolder", Folder("somewhere-else", Images()));
        var archive = new DatasetSpec("imagefolder", Tar("tarball", Images()));
        string Digest(DatasetSpec spec) => Datasets.ContentDigest(spec, cache);

        Assert.Matches("^[0-9a-f]{64}$", Digest(folder));
        Assert.Equal(Digest(folder), Digest(elsewhere));
        Assert.Equal(Digest(folder), Digest(archive));
        // Three cache files with three SHA-256s (their keys name the sources): not what identifies the data.
        var caches = new[] { folder, elsewhere, archive }.Select(s => Datasets.CacheFile(s, cache)).ToList();
        Assert.Equal(3, caches.Distinct().Count());
        Assert.Equal(3, caches.Select(DatasetCache.StoredSha256).Distinct().Count());
    }

    [Fact]
    public void One_changed_pixel_changes_the_digest()
    {
        var cache = tmp.Sub("cache");
        var original = Datasets.ContentDigest(new DatasetSpec("imagefolder", Folder("a", Images())), cache);
        var changed = Datasets.ContentDigest(new DatasetSpec("imagefolder", Folder("b", Images(changed: "test/class1/2.png"))), cache);
        Assert.NotEqual(original, changed);
    }

    [Fact]
    public void One_changed_pixel_or_label_of_the_splits_changes_the_digest_and_the_layout_is_the_documented_one()
    {
        using var splits = Splits();
        var digest = DataDigest.Of(splits);
        Assert.Equal(digest, Expected(splits));
        using (var pixel = Splits(pixelDelta: 1)) Assert.NotEqual(digest, DataDigest.Of(pixel));
        using (var label = Splits(swapLabel: true)) Assert.NotEqual(digest, DataDigest.Of(label));
    }

    [Fact]
    public void The_digest_is_stored_beside_the_cache_verified_and_computed_again_when_its_file_was_changed()
    {
        var cache = tmp.Sub("cache");
        var spec = new DatasetSpec("imagefolder", Folder("a", Images()));
        var log = new StringWriter();
        string digest;
        using (var built = Datasets.Load(spec, cache, log)) digest = built.ContentDigest!;
        var stored = CachedDataDigest.PathOf(Datasets.CacheFile(spec, cache));
        Assert.True(VerifiedFile.Check(stored).Usable);
        Assert.Contains(digest, File.ReadAllText(stored));

        // Read from the cache: the stored digest, not hashed again.
        log = new StringWriter();
        using (var read = Datasets.Load(spec, cache, log)) Assert.Equal(digest, read.ContentDigest);
        Assert.DoesNotContain("content digest", log.ToString());

        // A stored digest changed by hand does not match its SHA-256: computed again from the data, and stored again.
        File.WriteAllText(stored, File.ReadAllText(stored).Replace(digest, new string('0', 64)));
        Assert.False(VerifiedFile.Check(stored).Usable);
        log = new StringWriter();
        Assert.Equal(digest, Datasets.ContentDigest(spec, cache, log));
        Assert.Contains($"content digest {digest} stored beside the cache", log.ToString());
        Assert.True(VerifiedFile.Check(stored).Usable);

        // A digest without its SHA-256 is not used either.
        File.Delete(VerifiedFile.DigestPath(stored));
        Assert.Equal(digest, Datasets.ContentDigest(spec, cache));
        Assert.True(VerifiedFile.Check(stored).Usable);
    }

    /// <summary>Two splits of 3 and 2 images, 2×2×2 pixels, labels 0/1.</summary>
    static DatasetSplits Splits(int pixelDelta = 0, bool swapLabel = false)
    {
        ImageDataset Split(string name, int n, int offset)
        {
            var pixels = Enumerable.Range(0, n * 8).Select(i => (byte)(i + offset)).ToArray();
            if (name == "test") pixels[^1] = (byte)(pixels[^1] + pixelDelta);
            var labels = Enumerable.Range(0, n).Select(i => (long)(i % 2)).ToArray();
            if (swapLabel && name == "train") labels[0] = 1;
            return new ImageDataset(name, tensor(pixels).reshape(n, 2, 2, 2), tensor(labels), ["a", "b"]);
        }
        return new DatasetSplits(Split("train", 3, 0), Split("test", 2, 100));
    }

    /// <summary>The digest as the layout in <see cref="DataDigest"/>'s remarks defines it, written out by hand.</summary>
    static string Expected(DatasetSplits splits)
    {
        var bytes = new List<byte>(System.Text.Encoding.ASCII.GetBytes("ldae-data-digest-1\n"));
        foreach (var s in new[] { splits.Train, splits.Test })
        {
            foreach (var v in new[] { s.Count, s.Channels, s.Height, s.Width }) bytes.AddRange(BitConverter.GetBytes(v));
            foreach (var label in s.Labels.data<long>()) bytes.AddRange(BitConverter.GetBytes(label));
            bytes.AddRange(s.Images.data<byte>());
        }
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes.ToArray()));
    }
}
