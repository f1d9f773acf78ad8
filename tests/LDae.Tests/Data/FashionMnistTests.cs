using System.Diagnostics;
using LDae.Data;
using LDae.Runtime;
using Xunit;
using Xunit.Abstractions;

namespace LDae.Tests.Data;

/// <summary>Loads the real Fashion-MNIST once from IDX (building a cache), then once from that cache.</summary>
public sealed class FashionMnistFixture : IDisposable
{
    public readonly TempDir Cache = new();
    public readonly DatasetSplits FromIdx, FromCache;
    public readonly string Log;
    public readonly double IdxSeconds, CacheSeconds;

    public FashionMnistFixture()
    {
        TorchRuntime.EnsureLoaded(threads: 1);
        var log = new StringWriter();
        var clock = Stopwatch.StartNew();
        FromIdx = Datasets.Load(new DatasetSpec("fashion-mnist"), Cache.Path, log);
        IdxSeconds = clock.Elapsed.TotalSeconds;
        clock.Restart();
        FromCache = Datasets.Load(new DatasetSpec("fashion-mnist"), Cache.Path, log);
        CacheSeconds = clock.Elapsed.TotalSeconds;
        Log = log.ToString();
    }

    public void Dispose()
    {
        FromIdx.Dispose();
        FromCache.Dispose();
        Cache.Dispose();
    }
}

public sealed class FashionMnistTests(FashionMnistFixture data, ITestOutputHelper output) : IClassFixture<FashionMnistFixture>
{
    [Fact]
    public void Splits_have_the_official_shapes_classes_and_counts()
    {
        output.WriteLine($"load from IDX {data.IdxSeconds:0.00} s, from cache {data.CacheSeconds:0.00} s\n{data.Log}");
        var (train, test) = data.FromIdx;
        Assert.Equal(new long[] { 60000, 1, 28, 28 }, train.Images.shape);
        Assert.Equal(new long[] { 10000, 1, 28, 28 }, test.Images.shape);
        Assert.Equal(TorchSharp.torch.ScalarType.Byte, train.Images.dtype);
        Assert.Equal(TorchSharp.torch.ScalarType.Int64, train.Labels.dtype);
        Assert.Equal(["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"], train.ClassNames);
        Assert.Equal(train.ClassNames, test.ClassNames);
        Assert.All(train.ClassCounts(), c => Assert.Equal(6000, c));
        Assert.All(test.ClassCounts(), c => Assert.Equal(1000, c));
        Assert.Equal(0, train.Labels.min().item<long>());
        Assert.Equal(9, train.Labels.max().item<long>());
        Assert.Equal("fashion-mnist/train", train.Name);
    }

    [Fact]
    public void First_images_match_the_checksums_of_the_raw_IDX_bytes()
    {
        // Reference values computed independently (Python: gzip + skip the 16-byte IDX header).
        var (train, test) = data.FromIdx;
        Assert.Equal((76247L, "5bd44e331a6d6998"), DataTestFiles.Checksum(train, 0));
        Assert.Equal((33456L, "ffc7351ed0f8bae5"), DataTestFiles.Checksum(test, 0));
        Assert.Equal(9, train.Labels[0].item<long>()); // the first training image is an ankle boot
        Assert.Equal(9, test.Labels[0].item<long>());
    }

    [Fact]
    public void The_second_load_comes_from_the_cache_and_is_identical()
    {
        Assert.Contains("decoded", data.Log);
        Assert.Contains("read cache", data.Log);
        Assert.Single(Directory.GetFiles(data.Cache.Path, "*" + DatasetCache.Extension));
        Assert.Empty(Directory.GetFiles(data.Cache.Path, "*.tmp-*"));
        Assert.True(DataTestFiles.Equal(data.FromIdx.Train.Images, data.FromCache.Train.Images));
        Assert.True(DataTestFiles.Equal(data.FromIdx.Train.Labels, data.FromCache.Train.Labels));
        Assert.True(DataTestFiles.Equal(data.FromIdx.Test.Images, data.FromCache.Test.Images));
        Assert.True(DataTestFiles.Equal(data.FromIdx.Test.Labels, data.FromCache.Test.Labels));
        Assert.Equal(data.FromIdx.Train.ClassNames, data.FromCache.Train.ClassNames);
        Assert.Equal(data.FromIdx.Test.Name, data.FromCache.Test.Name);
    }

    [Fact]
    public void Batches_of_the_real_data_are_reproducible_and_convert_to_model_input()
    {
        var train = data.FromCache.Train;
        var first = train.Batches(256, seed: 7, epoch: 3, shuffle: true, dropLast: true).Take(2).ToList();
        var again = train.Batches(256, seed: 7, epoch: 3, shuffle: true, dropLast: true).Take(2).ToList();
        for (int i = 0; i < 2; i++)
        {
            Assert.True(DataTestFiles.Equal(first[i].images, again[i].images));
            Assert.True(DataTestFiles.Equal(first[i].labels, again[i].labels));
        }
        using var model = ImageDataset.ToModelInput(first[0].images);
        Assert.Equal(new long[] { 256, 1, 28, 28 }, model.shape);
        Assert.InRange(model.min().item<float>(), -1f, -0.99f); // Fashion-MNIST has black backgrounds
        Assert.InRange(model.max().item<float>(), 0.99f, 1f);
        foreach (var (x, y) in first.Concat(again)) { x.Dispose(); y.Dispose(); }
    }

    [Fact]
    public void Per_class_limit_keeps_the_first_images_of_each_class_in_file_order()
    {
        using var cache = new TempDir();
        using var small = Datasets.Load(new DatasetSpec("fashion-mnist", PerClassLimit: 3), cache.Path);
        Assert.Equal(30, small.Train.Count);
        Assert.All(small.Train.ClassCounts(), c => Assert.Equal(3, c));
        using var expected = data.FromIdx.Train.TakePerClass(3);
        Assert.True(DataTestFiles.Equal(expected.Images, small.Train.Images));
        Assert.True(DataTestFiles.Equal(expected.Labels, small.Train.Labels));
        Assert.Equal(DataTestFiles.Checksum(data.FromIdx.Train, 0), DataTestFiles.Checksum(small.Train, 0)); // index 0 is kept
    }

    [Fact]
    public void Resizing_to_32_keeps_labels_and_approximates_the_28px_image()
    {
        using var cache = new TempDir();
        using var big = Datasets.Load(new DatasetSpec("fashion-mnist", ImageSize: 32, PerClassLimit: 2), cache.Path);
        using var small = data.FromIdx.Test.TakePerClass(2);
        Assert.Equal(new long[] { 20, 1, 32, 32 }, big.Test.Images.shape);
        Assert.True(DataTestFiles.Equal(small.Labels, big.Test.Labels));
        // Mean brightness survives a bilinear resize within a grey level or two.
        double before = small.Images.to_type(TorchSharp.torch.ScalarType.Float64).mean().item<double>();
        double after = big.Test.Images.to_type(TorchSharp.torch.ScalarType.Float64).mean().item<double>();
        Assert.InRange(after, before - 2, before + 2);
    }
}
