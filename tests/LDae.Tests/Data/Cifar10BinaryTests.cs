using LDae.Data;
using LDae.Runtime;
using Xunit;

namespace LDae.Tests.Data;

/// <summary>The official CIFAR-10 binary reader, on a miniature archive with the official layout built here.</summary>
public sealed class Cifar10BinaryTests : IDisposable
{
    readonly TempDir tmp = new();
    public Cifar10BinaryTests() => TorchRuntime.EnsureLoaded(threads: 1);
    public void Dispose() => tmp.Dispose();

    /// <summary>A record whose pixel (c, y, x) is (label·20 + c·7 + y + x + salt) mod 256.</summary>
    static byte[] Record(int label, int salt)
    {
        var r = new byte[Cifar10Binary.RecordBytes];
        r[0] = (byte)label;
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < 32; y++)
                for (int x = 0; x < 32; x++)
                    r[1 + c * 1024 + y * 32 + x] = (byte)((label * 20 + c * 7 + y + x + salt) % 256);
        return r;
    }

    static byte[] Batch(int records, int salt) =>
        Enumerable.Range(0, records).SelectMany(i => Record((i * 3 + salt) % 10, salt + i)).ToArray();

    static IEnumerable<(string, byte[]?)> OfficialLayout(int recordsPerBatch) =>
        new (string, byte[]?)[] { ("cifar-10-batches-bin/", null), ("cifar-10-batches-bin/batches.meta.txt", "airplane\n"u8.ToArray()) }
            .Concat(Enumerable.Range(1, 5).Select(i => ($"cifar-10-batches-bin/data_batch_{i}.bin", (byte[]?)Batch(recordsPerBatch, 10 * i))))
            .Append(("cifar-10-batches-bin/test_batch.bin", Batch(recordsPerBatch, 99)));

    [Fact]
    public void Records_parse_to_label_and_planar_RGB()
    {
        var (pixels, labels) = Cifar10Binary.ParseBatch([.. Record(7, 0), .. Record(2, 1)], "mini.bin");
        Assert.Equal(new long[] { 7, 2 }, labels);
        Assert.Equal(2 * 3072, pixels.Length);
        Assert.Equal((byte)(7 * 20 + 0 + 0 + 0), pixels[0]);                        // image 0, red, (0, 0)
        Assert.Equal((byte)(7 * 20 + 7 * 2 + 5 + 3), pixels[2 * 1024 + 5 * 32 + 3]); // image 0, blue, (y=5, x=3)
        Assert.Equal((byte)(2 * 20 + 7 + 1 + 1 + 1), pixels[3072 + 1024 + 32 + 1]); // image 1 (salt 1), green, (1, 1)
    }

    [Fact]
    public void The_official_archive_in_the_cache_is_found_streamed_and_cached()
    {
        var cache = tmp.Sub("cache");
        Directory.CreateDirectory(Path.Combine(cache, "cifar10"));
        DataTestFiles.WriteTar(Path.Combine(cache, "cifar10", Cifar10Binary.ArchiveName), OfficialLayout(4));

        var log = new StringWriter();
        using var splits = Datasets.Load(new DatasetSpec("cifar10"), cache, log);
        Assert.Equal(new long[] { 20, 3, 32, 32 }, splits.Train.Images.shape);
        Assert.Equal(new long[] { 4, 3, 32, 32 }, splits.Test.Images.shape);
        Assert.Equal(Cifar10Binary.ClassNames, splits.Train.ClassNames);
        // Train is batches 1..5 in order: record 0 of batch 2 (salt 20) is image 4.
        Assert.Equal((long)((0 * 3 + 20) % 10), splits.Train.Labels[4].item<long>());
        Assert.Equal((byte)(((0 * 3 + 20) % 10) * 20 + 20), splits.Train.Images[4, 0, 0, 0].item<byte>());
        Assert.Equal((byte)(((1 * 3 + 99) % 10) * 20 + 7 + 1 + 2 + (99 + 1)), splits.Test.Images[1, 1, 1, 2].item<byte>()); // record 1: salt 99 + 1
        Assert.Contains("cifar-binary", Directory.GetFiles(cache, "*.ldds").Single());

        using var again = Datasets.Load(new DatasetSpec("cifar10"), cache, log);
        Assert.Contains("read cache", log.ToString());
        Assert.True(DataTestFiles.Equal(splits.Train.Images, again.Train.Images));

        // A named ImageFolder copy is read instead of the cached binary (here it does not exist: the error names it).
        var e = Assert.Throws<DatasetException>(() => Datasets.Load(new DatasetSpec("cifar10", Path: "/nonexistent/imagefolder.tar.gz"), cache, log));
        Assert.Contains("/nonexistent/imagefolder.tar.gz", e.Message);
    }

    [Fact]
    public void An_extracted_batch_folder_reads_the_same_as_the_archive()
    {
        var archive = Path.Combine(tmp.Path, "a.tar.gz");
        DataTestFiles.WriteTar(archive, OfficialLayout(3));
        var folder = tmp.Sub("extracted");
        foreach (var (name, content) in OfficialLayout(3))
            if (content is not null) DataTestFiles.WriteFile(folder, name, content);
        using var a = Cifar10Binary.Read(archive);
        using var b = Cifar10Binary.Read(Path.Combine(folder, Cifar10Binary.BatchFolder));
        Assert.True(DataTestFiles.Equal(a.Train.Images, b.Train.Images));
        Assert.True(DataTestFiles.Equal(a.Test.Labels, b.Test.Labels));
    }

    [Fact]
    public void An_archive_missing_a_batch_or_with_a_truncated_one_is_reported()
    {
        var missing = Path.Combine(tmp.Path, "missing.tar.gz");
        DataTestFiles.WriteTar(missing, OfficialLayout(2).Where(e => !e.Item1.EndsWith("data_batch_3.bin")));
        var e1 = Assert.Throws<DatasetException>(() => Cifar10Binary.Read(missing));
        Assert.Contains("missing data_batch_3.bin", e1.Message);

        var truncated = Path.Combine(tmp.Path, "truncated.tar");
        DataTestFiles.WriteTar(truncated, OfficialLayout(2).Select(e => e.Item1.EndsWith("test_batch.bin") ? (e.Item1, e.Item2![..^5]) : e));
        var e2 = Assert.Throws<DatasetException>(() => Cifar10Binary.Read(truncated));
        Assert.Contains("test_batch.bin: truncated CIFAR-10 record", e2.Message);
    }
}
