using LDae.Data;
using LDae.Runtime;
using Xunit;
using static TorchSharp.torch;

namespace LDae.Tests.Data;

/// <summary>Batching, subsets and conversion, on a small dataset whose every pixel of image i is i (so a batch reveals its indices).</summary>
public sealed class ImageDatasetTests : IDisposable
{
    const int N = 103;
    readonly ImageDataset data;

    public ImageDatasetTests()
    {
        TorchRuntime.EnsureLoaded(threads: 1);
        using var scope = NewDisposeScope();
        var images = arange(N, ScalarType.Byte).reshape(N, 1, 1, 1).expand(N, 2, 3, 3).contiguous();
        data = new ImageDataset("toy", images, arange(N).remainder(5), ["a", "b", "c", "d", "e"]);
    }

    public void Dispose() => data.Dispose();

    static long[] Indices(Tensor images) => images[.., 0, 0, 0].to_type(ScalarType.Int64).data<long>().ToArray();

    static List<long[]> Epoch(ImageDataset d, int batch, long seed, int epoch, bool shuffle, bool dropLast) =>
        d.Batches(batch, seed, epoch, shuffle, dropLast).Select(b =>
        {
            var idx = Indices(b.images);
            Assert.Equal(idx.Select(i => i % 5), b.labels.data<long>().ToArray()); // labels travel with their images
            b.images.Dispose();
            b.labels.Dispose();
            return idx;
        }).ToList();

    [Fact]
    public void An_epoch_visits_every_image_once_in_a_seeded_order()
    {
        var epoch = Epoch(data, 10, seed: 1, epoch: 0, shuffle: true, dropLast: false);
        Assert.Equal(11, epoch.Count);
        Assert.Equal(3, epoch[^1].Length);
        var all = epoch.SelectMany(b => b).ToArray();
        Assert.Equal(Enumerable.Range(0, N).Select(i => (long)i), all.Order());
        Assert.NotEqual(Enumerable.Range(0, N).Select(i => (long)i), all); // shuffled
        Assert.Equal(11, data.BatchCount(10, dropLast: false));
    }

    [Fact]
    public void The_order_depends_only_on_seed_and_epoch()
    {
        var a = Epoch(data, 16, 5, 2, true, false).SelectMany(b => b).ToArray();
        var b = Epoch(data, 16, 5, 2, true, false).SelectMany(b => b).ToArray();
        var otherEpoch = Epoch(data, 16, 5, 3, true, false).SelectMany(b => b).ToArray();
        var otherSeed = Epoch(data, 16, 6, 2, true, false).SelectMany(b => b).ToArray();
        Assert.Equal(a, b);
        Assert.NotEqual(a, otherEpoch);
        Assert.NotEqual(a, otherSeed);
        // Batch size does not change the order, only how it is cut (resume with another batch size sees the same stream).
        Assert.Equal(a, Epoch(data, 7, 5, 2, true, false).SelectMany(b => b).ToArray());
    }

    [Fact]
    public void Without_shuffle_the_order_is_the_dataset_order_and_drop_last_drops_the_short_batch()
    {
        var epoch = Epoch(data, 25, 0, 0, shuffle: false, dropLast: true);
        Assert.Equal(4, epoch.Count);
        Assert.All(epoch, b => Assert.Equal(25, b.Length));
        Assert.Equal(Enumerable.Range(0, 100).Select(i => (long)i), epoch.SelectMany(b => b));
        Assert.Equal(4, data.BatchCount(25, dropLast: true));
    }

    [Fact]
    public void Subset_is_seeded_sorted_and_made_of_real_rows()
    {
        using var s1 = data.Subset(20, seed: 3);
        using var s2 = data.Subset(20, seed: 3);
        using var s3 = data.Subset(20, seed: 4);
        var i1 = Indices(s1.Images);
        Assert.Equal(i1, Indices(s2.Images));
        Assert.NotEqual(i1, Indices(s3.Images));
        Assert.Equal(i1.Order(), i1);               // original order kept
        Assert.Equal(20, i1.Distinct().Count());    // no repeats
        Assert.Equal(i1.Select(i => i % 5), s1.Labels.data<long>().ToArray());
        Assert.Equal(data.ClassNames, s1.ClassNames);
        using var whole = data.Subset(N, seed: 9);
        Assert.Equal(Enumerable.Range(0, N).Select(i => (long)i), Indices(whole.Images));
        Assert.Throws<ArgumentOutOfRangeException>(() => data.Subset(N + 1, 0));
    }

    [Fact]
    public void Take_per_class_keeps_the_first_k_of_each_class()
    {
        using var k2 = data.TakePerClass(2);
        Assert.Equal(new long[] { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 }, Indices(k2.Images));
        Assert.All(k2.ClassCounts(), c => Assert.Equal(2, c));
    }

    [Fact]
    public void Model_input_maps_0_to_minus_1_and_255_to_plus_1()
    {
        using var bytes = tensor(new byte[] { 0, 51, 255, 128 }, [1, 1, 2, 2]);
        using var x = ImageDataset.ToModelInput(bytes);
        Assert.Equal(ScalarType.Float32, x.dtype);
        Assert.Equal(new[] { -1f, 51 / 127.5f - 1, 1f, 128 / 127.5f - 1 }, x.data<float>().ToArray());
        using var back = ImageDataset.ToImageBytes(x);
        Assert.True(DataTestFiles.Equal(bytes, back));
        Assert.Throws<ArgumentException>(() => ImageDataset.ToModelInput(x));
    }

    [Fact]
    public void The_constructor_rejects_inconsistent_tensors()
    {
        Assert.Throws<ArgumentException>(() => new ImageDataset("bad", zeros([2, 1, 2, 2], ScalarType.Float32), zeros(2, ScalarType.Int64), ["a"]));
        Assert.Throws<ArgumentException>(() => new ImageDataset("bad", zeros([2, 1, 2, 2], ScalarType.Byte), zeros(3, ScalarType.Int64), ["a"]));
        Assert.Throws<ArgumentException>(() => new ImageDataset("bad", zeros([2, 1, 2, 2], ScalarType.Byte), full(2, 1L, ScalarType.Int64), ["a"]));
    }
}
