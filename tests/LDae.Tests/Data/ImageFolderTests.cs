using LDae.Data;
using LDae.Runtime;
using SkiaSharp;
using Xunit;

namespace LDae.Tests.Data;

/// <summary>The ImageFolder reader on tiny PNG datasets written here, where every expected pixel is known.</summary>
public sealed class ImageFolderTests : IDisposable
{
    readonly TempDir tmp = new();
    public ImageFolderTests() => TorchRuntime.EnsureLoaded(threads: 1);
    public void Dispose() => tmp.Dispose();

    /// <summary>train: Zebra ×2, ant ×3; test: Zebra ×1, ant ×1 — listed in reverse name order on purpose.</summary>
    static List<(string, byte[]?)> Files(string prefix = "") =>
    [
        ($"{prefix}train/ant/c.png", DataTestFiles.Png(3)), ($"{prefix}train/ant/b.png", DataTestFiles.Png(2)),
        ($"{prefix}train/ant/a.png", DataTestFiles.Png(1)), ($"{prefix}train/Zebra/2.png", DataTestFiles.Png(12)),
        ($"{prefix}train/Zebra/10.png", DataTestFiles.Png(11)), ($"{prefix}test/ant/x.png", DataTestFiles.Png(21)),
        ($"{prefix}test/Zebra/y.png", DataTestFiles.Png(22)),
    ];

    [Fact]
    public void Pixels_are_planar_RGB_and_order_is_by_ordinal_name()
    {
        var tar = Path.Combine(tmp.Path, "tiny.tar.gz");
        DataTestFiles.WriteTar(tar, Files());
        using var s = ImageFolder.Read(tar, datasetName: "tiny");
        Assert.Equal(["Zebra", "ant"], s.Train.ClassNames); // ordinal: upper case sorts first
        Assert.Equal(new long[] { 0, 0, 1, 1, 1 }, s.Train.Labels.data<long>().ToArray());
        // "10.png" < "2.png" ordinally, then a, b, c: seeds 11, 12, 1, 2, 3.
        int[] seeds = [11, 12, 1, 2, 3];
        Assert.Equal(new long[] { 5, 3, 3, 4 }, s.Train.Images.shape);
        for (int i = 0; i < seeds.Length; i++)
            for (int y = 0; y < 3; y++)
                for (int x = 0; x < 4; x++)
                {
                    Assert.Equal(10 * x + seeds[i], s.Train.Images[i, 0, y, x].item<byte>());
                    Assert.Equal(20 * y, s.Train.Images[i, 1, y, x].item<byte>());
                    Assert.Equal(7 * seeds[i], s.Train.Images[i, 2, y, x].item<byte>());
                }
        Assert.Equal("tiny/train", s.Train.Name);
        Assert.Equal("tiny/test", s.Test.Name);
    }

    [Fact]
    public void Folder_tar_and_tar_gz_with_a_top_folder_and_a_val_split_read_identically()
    {
        var folder = tmp.Sub("folder");
        foreach (var (name, content) in Files()) DataTestFiles.WriteFile(folder, name, content!);
        var tar = Path.Combine(tmp.Path, "plain.tar");
        DataTestFiles.WriteTar(tar, Files("./"));
        var tgz = Path.Combine(tmp.Path, "nested.tgz");
        DataTestFiles.WriteTar(tgz + ".gz", Files("mydata/").Select(f => (f.Item1.Replace("/test/", "/val/"), f.Item2)));
        File.Move(tgz + ".gz", tgz); // gzip is recognised by its magic bytes, not the file name

        using var a = ImageFolder.Read(folder);
        using var b = ImageFolder.Read(tar);
        using var c = ImageFolder.Read(tgz);
        foreach (var other in new[] { b, c })
        {
            Assert.True(DataTestFiles.Equal(a.Train.Images, other.Train.Images));
            Assert.True(DataTestFiles.Equal(a.Test.Images, other.Test.Images));
            Assert.True(DataTestFiles.Equal(a.Train.Labels, other.Train.Labels));
            Assert.Equal(a.Train.ClassNames, other.Train.ClassNames);
        }
    }

    [Fact]
    public void Grayscale_is_replicated_and_alpha_is_dropped()
    {
        var root = tmp.Sub("modes");
        using (var gray = new SKBitmap(new SKImageInfo(2, 2, SKColorType.Gray8, SKAlphaType.Opaque)))
        {
            gray.Erase(new SKColor(90, 90, 90));
            using var png = gray.Encode(SKEncodedImageFormat.Png, 100);
            DataTestFiles.WriteFile(root, "train/g/0.png", png.ToArray());
        }
        DataTestFiles.WriteFile(root, "test/g/0.png", DataTestFiles.Encode(2, 2, (_, _) => new SKColor(200, 100, 50, 128)));
        using var s = ImageFolder.Read(root);
        Assert.Equal(new byte[] { 90, 90, 90, 90, 90, 90, 90, 90, 90, 90, 90, 90 }, s.Train.Images.data<byte>().ToArray());
        Assert.Equal(new byte[] { 200, 200, 200, 200, 100, 100, 100, 100, 50, 50, 50, 50 }, s.Test.Images.data<byte>().ToArray());
    }

    [Fact]
    public void Image_size_centre_crops_after_scaling_the_shorter_side()
    {
        // 8×4 images, ImageSize 4: the shorter side is already 4, so the result is exactly columns 2..5.
        var root = tmp.Sub("wide");
        DataTestFiles.WriteFile(root, "train/w/0.png", DataTestFiles.Png(1, 8, 4));
        DataTestFiles.WriteFile(root, "test/w/0.png", DataTestFiles.Png(2, 8, 4));
        using var s = ImageFolder.Read(root, new ImageFolderOptions(ImageSize: 4));
        Assert.Equal(new long[] { 1, 3, 4, 4 }, s.Train.Images.shape);
        for (int x = 0; x < 4; x++) Assert.Equal(10 * (x + 2) + 1, s.Train.Images[0, 0, 0, x].item<byte>());
        // Upscaling a 4×3 image to 6: 8×6 after scaling, then the centred 6×6; mean colour is kept.
        var small = tmp.Sub("small");
        DataTestFiles.WriteFile(small, "train/s/0.png", DataTestFiles.Encode(4, 3, (_, _) => new SKColor(40, 80, 120)));
        DataTestFiles.WriteFile(small, "test/s/0.png", DataTestFiles.Encode(4, 3, (_, _) => new SKColor(40, 80, 120)));
        using var up = ImageFolder.Read(small, new ImageFolderOptions(ImageSize: 6));
        Assert.Equal(new long[] { 1, 3, 6, 6 }, up.Train.Images.shape);
        Assert.Equal(Enumerable.Repeat((byte)80, 36), up.Train.Images[0, 1].contiguous().data<byte>().ToArray());
    }

    [Fact]
    public void Per_class_limit_and_single_threaded_decoding_give_the_same_first_images()
    {
        var tar = Path.Combine(tmp.Path, "t.tar");
        DataTestFiles.WriteTar(tar, Files());
        using var all = ImageFolder.Read(tar, new ImageFolderOptions(MaxParallelism: 1));
        using var two = ImageFolder.Read(tar, new ImageFolderOptions(PerClassLimit: 2));
        Assert.Equal(4, two.Train.Count);
        using var expected = all.Train.TakePerClass(2);
        Assert.True(DataTestFiles.Equal(expected.Images, two.Train.Images));
        Assert.True(DataTestFiles.Equal(expected.Labels, two.Train.Labels));
    }
}
