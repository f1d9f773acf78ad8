using System.IO.Compression;
using LDae.Data;
using LDae.Runtime;
using SkiaSharp;
using Xunit;
using Xunit.Abstractions;

namespace LDae.Tests.Data;

/// <summary>Every broken input fails with one <see cref="DatasetException"/> naming the file and the problem.</summary>
public sealed class CorruptInputTests : IDisposable
{
    readonly TempDir tmp = new();
    readonly ITestOutputHelper output;

    public CorruptInputTests(ITestOutputHelper output)
    {
        TorchRuntime.EnsureLoaded(threads: 1);
        this.output = output;
    }
    public void Dispose() => tmp.Dispose();

    static byte[] Gzip(byte[] raw)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest)) gz.Write(raw);
        return ms.ToArray();
    }

    static byte[] Idx(int type, int[] shape, int dataBytes)
    {
        var header = new List<byte> { 0, 0, (byte)type, (byte)shape.Length };
        foreach (var d in shape) header.AddRange(BitConverter.GetBytes(System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(d)));
        return header.Concat(new byte[dataBytes]).ToArray();
    }

    /// <summary>A Fashion-MNIST folder with 2 images of 28×28 per split, optionally replacing one file's bytes.</summary>
    string FakeFashionMnist(string? replace = null, byte[]? with = null)
    {
        var dir = tmp.Sub("fmnist-" + Guid.NewGuid().ToString("N")[..6]);
        foreach (var prefix in new[] { "train", "t10k" })
        {
            DataTestFiles.WriteFile(dir, $"{prefix}-images-idx3-ubyte.gz", Gzip(Idx(8, [2, 28, 28], 2 * 784)));
            DataTestFiles.WriteFile(dir, $"{prefix}-labels-idx1-ubyte.gz", Gzip(Idx(8, [2], 2)));
        }
        if (replace is not null) File.WriteAllBytes(Path.Combine(dir, replace), with!);
        return dir;
    }

    DatasetException Fails(Action action, params string[] messageParts)
    {
        var e = Assert.Throws<DatasetException>(action);
        output.WriteLine(e.Message);
        foreach (var part in messageParts) Assert.Contains(part, e.Message);
        return e;
    }

    [Fact]
    public void A_well_formed_small_IDX_folder_reads()
    {
        using var s = FashionMnist.ReadDirectory(FakeFashionMnist());
        Assert.Equal(2, s.Train.Count);
        Assert.Equal(2, s.Test.Count);
    }

    [Fact]
    public void Truncated_gzip_is_reported_with_the_file()
    {
        var good = Gzip(Idx(8, [2, 28, 28], 2 * 784));
        var dir = FakeFashionMnist("train-images-idx3-ubyte.gz", good[..(good.Length / 2)]);
        var e = Fails(() => FashionMnist.ReadDirectory(dir), "train-images-idx3-ubyte.gz");
        Assert.Matches("truncated|corrupt gzip", e.Message);
        Assert.EndsWith("train-images-idx3-ubyte.gz", e.FilePath);
    }

    [Fact]
    public void Garbage_instead_of_gzip_is_corrupt()
    {
        var bytes = new byte[100];
        bytes[0] = 0x1f; bytes[1] = 0x8b; // gzip magic, then nonsense
        var dir = FakeFashionMnist("t10k-labels-idx1-ubyte.gz", bytes);
        Fails(() => FashionMnist.ReadDirectory(dir), "t10k-labels-idx1-ubyte.gz", "gzip");
    }

    [Fact]
    public void Bad_IDX_magic_is_reported()
    {
        var dir = FakeFashionMnist("train-labels-idx1-ubyte.gz", Gzip(Idx(8, [2, 28, 28], 2 * 784))); // images where labels belong
        Fails(() => FashionMnist.ReadDirectory(dir), "train-labels-idx1-ubyte.gz", "bad IDX magic 0x00000803", "expected 0x00000801");
        var floats = FakeFashionMnist("train-images-idx3-ubyte.gz", Gzip(Idx(0x0d, [2, 28, 28], 8 * 784)));
        Fails(() => FashionMnist.ReadDirectory(floats), "train-images-idx3-ubyte.gz", "bad IDX magic 0x00000d03");
    }

    [Fact]
    public void IDX_size_mismatches_are_reported()
    {
        var shortData = FakeFashionMnist("train-images-idx3-ubyte.gz", Gzip(Idx(8, [2, 28, 28], 784 + 10)));
        Fails(() => FashionMnist.ReadDirectory(shortData), "train-images-idx3-ubyte.gz", "truncated");
        var extraData = FakeFashionMnist("train-images-idx3-ubyte.gz", Gzip(Idx(8, [2, 28, 28], 3 * 784)));
        Fails(() => FashionMnist.ReadDirectory(extraData), "train-images-idx3-ubyte.gz", "size mismatch");
        var labelCount = FakeFashionMnist("t10k-labels-idx1-ubyte.gz", Gzip(Idx(8, [3], 3)));
        Fails(() => FashionMnist.ReadDirectory(labelCount), "t10k-labels-idx1-ubyte.gz", "3 labels for 2 images");
    }

    [Fact]
    public void Missing_Fashion_MNIST_says_how_to_install_it()
    {
        var cache = tmp.Sub("cache");
        var e = Fails(() => FashionMnist.Locate(cache, searchDirs: [tmp.Sub("nothing-here")], mirrors: ["http://127.0.0.1:9/"]),
                      "apt-get install dataset-fashion-mnist", Path.Combine(cache, "fashion-mnist"), "downloading it failed",
                      "http://127.0.0.1:9/train-images-idx3-ubyte.gz");
        Assert.Empty(Directory.GetFiles(cache, "*", SearchOption.AllDirectories)); // nothing half-downloaded left behind
        Assert.Single(e.Message.Split('\n'));
    }

    [Fact]
    public void Fashion_MNIST_files_copied_into_the_cache_are_found_without_downloading()
    {
        var cache = tmp.Sub("cache2");
        var src = FakeFashionMnist();
        Directory.CreateDirectory(Path.Combine(cache, "fashion-mnist"));
        foreach (var f in Directory.GetFiles(src)) File.Copy(f, Path.Combine(cache, "fashion-mnist", Path.GetFileName(f)));
        Assert.Equal(Path.Combine(cache, "fashion-mnist"),
                     FashionMnist.Locate(cache, searchDirs: [tmp.Sub("empty"), Path.Combine(cache, "fashion-mnist")], mirrors: ["http://127.0.0.1:9/"]));
    }

    [Fact]
    public void Missing_CIFAR_binary_says_where_to_put_it()
    {
        var cache = tmp.Sub("cache3");
        Fails(() => Cifar10Binary.Fetch(cache, mirrors: ["http://127.0.0.1:9/"]),
              "cifar-10-binary.tar.gz", "c32a1d4ab5d03f1284b67883e8d87530", Path.Combine(cache, "cifar10"), "ImageFolder");
    }

    [Fact]
    public void Truncated_CIFAR_record_is_reported()
    {
        var data = new byte[2 * Cifar10Binary.RecordBytes + 100];
        Fails(() => Cifar10Binary.ParseBatch(data, "data_batch_1.bin"),
              "data_batch_1.bin", "truncated CIFAR-10 record", "2 complete, 100 bytes left over");
        var badLabel = new byte[Cifar10Binary.RecordBytes];
        badLabel[0] = 10;
        Fails(() => Cifar10Binary.ParseBatch(badLabel, "test_batch.bin"), "test_batch.bin", "label byte 10");
    }

    [Fact]
    public void Garbage_jpeg_is_undecodable()
    {
        var root = tmp.Sub("garbage");
        DataTestFiles.WriteFile(root, "train/cat/0.png", DataTestFiles.Png(1));
        DataTestFiles.WriteFile(root, "train/cat/1.jpg", "this is not a JPEG at all"u8.ToArray());
        DataTestFiles.WriteFile(root, "test/cat/0.png", DataTestFiles.Png(2));
        var e = Fails(() => ImageFolder.Read(root), "undecodable image");
        Assert.EndsWith(Path.Combine("train", "cat", "1.jpg"), e.FilePath);
    }

    [Fact]
    public void Truncated_jpeg_is_undecodable()
    {
        var jpeg = DataTestFiles.Encode(16, 16, (x, y) => new SKColor((byte)(x * 16), (byte)(y * 16), 50), SKEncodedImageFormat.Jpeg);
        var root = tmp.Sub("cut");
        DataTestFiles.WriteFile(root, "train/cat/0.jpg", jpeg[..(jpeg.Length * 2 / 3)]);
        DataTestFiles.WriteFile(root, "test/cat/0.jpg", jpeg);
        Fails(() => ImageFolder.Read(root, new ImageFolderOptions(ImageSize: 16)), "0.jpg", "undecodable image");
    }

    [Fact]
    public void Empty_class_folder_is_reported_for_folders_and_archives()
    {
        var root = tmp.Sub("empty-class");
        DataTestFiles.WriteFile(root, "train/cat/0.png", DataTestFiles.Png(1));
        Directory.CreateDirectory(Path.Combine(root, "train", "dog"));
        DataTestFiles.WriteFile(root, "train/dog/notes.txt", "no images here"u8.ToArray());
        DataTestFiles.WriteFile(root, "test/cat/0.png", DataTestFiles.Png(2));
        DataTestFiles.WriteFile(root, "test/dog/0.png", DataTestFiles.Png(3));
        var e = Fails(() => ImageFolder.Read(root), "empty class folder");
        Assert.EndsWith("train/dog", e.FilePath);

        var tar = Path.Combine(tmp.Path, "empty-class.tar.gz");
        DataTestFiles.WriteTar(tar, [("train/cat/0.png", DataTestFiles.Png(1)), ("train/dog/", null),
                                     ("test/cat/0.png", DataTestFiles.Png(2)), ("test/dog/0.png", DataTestFiles.Png(3))]);
        Fails(() => ImageFolder.Read(tar), "train/dog", "empty class folder");
    }

    [Fact]
    public void Mismatched_class_lists_are_reported()
    {
        var tar = Path.Combine(tmp.Path, "mismatch.tar");
        DataTestFiles.WriteTar(tar, [("train/cat/0.png", DataTestFiles.Png(1)), ("train/dog/0.png", DataTestFiles.Png(2)),
                                     ("test/cat/0.png", DataTestFiles.Png(3)), ("test/emu/0.png", DataTestFiles.Png(4))]);
        Fails(() => ImageFolder.Read(tar), "mismatch.tar", "class lists differ", "only in train: [dog]", "only in test: [emu]");
    }

    [Fact]
    public void Wrong_image_size_is_reported_unless_a_resize_is_asked_for()
    {
        var root = tmp.Sub("sizes");
        DataTestFiles.WriteFile(root, "train/cat/0.png", DataTestFiles.Png(1, 4, 3));
        DataTestFiles.WriteFile(root, "train/cat/1.png", DataTestFiles.Png(2, 6, 3));
        DataTestFiles.WriteFile(root, "test/cat/0.png", DataTestFiles.Png(3, 4, 3));
        Fails(() => ImageFolder.Read(root), "1.png", "wrong image size 6×3", "4×3", "ImageSize");
        using var resized = ImageFolder.Read(root, new ImageFolderOptions(ImageSize: 3));
        Assert.Equal(new long[] { 2, 3, 3, 3 }, resized.Train.Images.shape);
    }

    [Fact]
    public void Missing_sources_and_bad_specs_are_reported()
    {
        var cache = tmp.Sub("c");
        Fails(() => Datasets.Load(new DatasetSpec("imagefolder", Path.Combine(tmp.Path, "nope.tar.gz")), cache), "nope.tar.gz", "not found");
        Fails(() => Datasets.Load(new DatasetSpec("imagefolder"), cache), "needs a Path");
        Fails(() => Datasets.Load(new DatasetSpec("mnist"), cache), "unknown dataset 'mnist'", "fashion-mnist, cifar10, imagefolder");
        var noTest = tmp.Sub("no-test");
        DataTestFiles.WriteFile(noTest, "train/cat/0.png", DataTestFiles.Png(1));
        Fails(() => ImageFolder.Read(noTest), "no test/<class>/<image>");
        var corruptTar = Path.Combine(tmp.Path, "corrupt.tar.gz");
        File.WriteAllBytes(corruptTar, [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3, 4, 5]);
        Fails(() => ImageFolder.Read(corruptTar), "corrupt.tar.gz", "corrupt or truncated archive");
    }
}
