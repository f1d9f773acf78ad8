using System.Diagnostics;
using LDae.Data;
using LDae.Runtime;
using Xunit;
using Xunit.Abstractions;

namespace LDae.Tests.Data;

/// <summary>Decodes the whole shared CIFAR-10 JPEG tarball once (60,000 images), then reloads it from the cache.</summary>
public sealed class CifarTarballFixture : IDisposable
{
    public readonly TempDir Cache = new();
    public readonly DatasetSplits FromTarball, FromCache;
    public readonly string Log;
    public readonly double TarballSeconds, CacheSeconds;

    public CifarTarballFixture()
    {
        TorchRuntime.EnsureLoaded(threads: 1);
        var spec = new DatasetSpec("cifar10", DataTestFiles.CifarTarball);
        var log = new StringWriter();
        var clock = Stopwatch.StartNew();
        FromTarball = Datasets.Load(spec, Cache.Path, log);
        TarballSeconds = clock.Elapsed.TotalSeconds;
        clock.Restart();
        FromCache = Datasets.Load(spec, Cache.Path, log);
        CacheSeconds = clock.Elapsed.TotalSeconds;
        Log = log.ToString();
    }

    public void Dispose()
    {
        FromTarball.Dispose();
        FromCache.Dispose();
        Cache.Dispose();
    }
}

public sealed class CifarImageFolderTests(CifarTarballFixture data, ITestOutputHelper output) : IClassFixture<CifarTarballFixture>
{
    static readonly string[] Classes = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"];

    [CifarFact]
    public void Splits_have_cifar_shapes_classes_and_counts()
    {
        output.WriteLine($"load from tarball {data.TarballSeconds:0.00} s, from cache {data.CacheSeconds:0.00} s\n{data.Log}");
        var (train, test) = data.FromTarball;
        Assert.Equal(new long[] { 50000, 3, 32, 32 }, train.Images.shape);
        Assert.Equal(new long[] { 10000, 3, 32, 32 }, test.Images.shape);
        Assert.Equal(Classes, train.ClassNames);
        Assert.Equal(Classes, test.ClassNames);
        Assert.All(train.ClassCounts(), c => Assert.Equal(5000, c));
        Assert.All(test.ClassCounts(), c => Assert.Equal(1000, c));
        // Ordinal order: classes in name order, so labels are sorted and each class is one contiguous block.
        Assert.True(DataTestFiles.Equal(train.Labels, TorchSharp.torch.arange(10).repeat_interleave(5000)));
        Assert.Equal("cifar10/train", train.Name);
    }

    [CifarFact]
    public void First_images_match_their_pixel_checksums()
    {
        // train/airplane/0000.jpg and test/airplane/0000.jpg as decoded by SkiaSharp 3.119 (recorded once).
        Assert.Equal((456420L, "f68fa80ca620ea97"), DataTestFiles.Checksum(data.FromTarball.Train, 0));
        Assert.Equal((475641L, "b52f3b3c21056dae"), DataTestFiles.Checksum(data.FromTarball.Test, 0));
    }

    [CifarFact]
    public void Decoded_images_are_colour_and_use_the_full_range()
    {
        var images = data.FromTarball.Test.Images;
        using var f = images.narrow(0, 0, 1000).to_type(TorchSharp.torch.ScalarType.Float32);
        // Colour photos: the three planes differ (a grey or channel-duplicating decode would make them equal).
        Assert.True((f[.., 0] - f[.., 2]).abs().mean().item<float>() > 5);
        Assert.Equal(0, images.min().item<byte>());
        Assert.Equal(255, images.max().item<byte>());
    }

    [CifarFact]
    public void The_second_load_comes_from_the_cache_and_is_identical()
    {
        Assert.Contains("decoded", data.Log);
        Assert.Contains("read cache", data.Log);
        Assert.True(DataTestFiles.Equal(data.FromTarball.Train.Images, data.FromCache.Train.Images));
        Assert.True(DataTestFiles.Equal(data.FromTarball.Test.Images, data.FromCache.Test.Images));
        Assert.True(DataTestFiles.Equal(data.FromTarball.Train.Labels, data.FromCache.Train.Labels));
        Assert.Equal(data.FromTarball.Test.ClassNames, data.FromCache.Test.ClassNames);
    }

    [CifarFact]
    public void Per_class_limit_reads_the_same_first_images_as_the_full_load()
    {
        using var small = ImageFolder.Read(DataTestFiles.CifarTarball, new ImageFolderOptions(PerClassLimit: 4));
        Assert.Equal(40, small.Train.Count);
        Assert.Equal(40, small.Test.Count);
        using var expected = data.FromTarball.Train.TakePerClass(4);
        Assert.True(DataTestFiles.Equal(expected.Images, small.Train.Images));
        Assert.True(DataTestFiles.Equal(expected.Labels, small.Train.Labels));
    }

    [CifarFact]
    public void Image_size_resizes_every_image_once_at_prepare_time()
    {
        using var cache = new TempDir();
        using var resized = Datasets.Load(new DatasetSpec("cifar10", DataTestFiles.CifarTarball, ImageSize: 16, PerClassLimit: 2), cache.Path);
        Assert.Equal(new long[] { 20, 3, 16, 16 }, resized.Train.Images.shape);
        using var original = data.FromTarball.Train.TakePerClass(2);
        // A 2× downscale keeps each image's mean colour (to a few grey levels).
        using var a = original.Images.to_type(TorchSharp.torch.ScalarType.Float32).mean([2, 3]);
        using var b = resized.Train.Images.to_type(TorchSharp.torch.ScalarType.Float32).mean([2, 3]);
        Assert.True((a - b).abs().max().item<float>() < 3);
    }
}
