using LDae.Files;
using LDae.Data;
using LDae.Evaluation;
using LDae.Runtime;
using LDae.Tests.Training;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace LDae.Tests.Evaluation;

public sealed class FeatureExtractorTests : IDisposable
{
    readonly Tensor images;
    readonly TempDir dir = new();

    public FeatureExtractorTests()
    {
        TorchRuntime.EnsureLoaded(threads: 1);
        using var g = LDae.Training.Seeding.Generator(1, "images");
        images = randint(0, 256, new long[] { 10, 3, 4, 4 }, dtype: ScalarType.Byte, generator: g);
    }

    public void Dispose()
    {
        images.Dispose();
        dir.Dispose();
    }

    [Fact]
    public void BatchedExtractionEqualsOneShot()
    {
        using var expected = RawPixelFeatures.Of(ImageDataset.ToModelInput(images));
        var seenBatchSizes = new List<long>();
        Tensor Encoder(Tensor x) { seenBatchSizes.Add(x.shape[0]); return RawPixelFeatures.Of(x); }

        using var batched = FeatureExtractor.Extract(Encoder, images, batchSize: 4);
        Assert.Equal(new long[] { 4, 4, 2 }, seenBatchSizes);
        Assert.Equal(new long[] { 10, 48 }, batched.shape);
        Assert.True(Synthetic.Same(expected, batched));

        var chunks = Enumerable.Range(0, 4).Select(i => ImageDataset.ToModelInput(images.narrow(0, i * 3L, Math.Min(3, 10 - i * 3L))));
        using var streamed = FeatureExtractor.Extract(RawPixelFeatures.Of, chunks);
        Assert.True(Synthetic.Same(expected, streamed));
    }

    [Fact]
    public void ExtractionRunsWithoutGradAndLeaksNothing()
    {
        using var w = randn(new long[] { 48, 5 }, requires_grad: true);
        bool gradEnabled = true;
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        using (var f = FeatureExtractor.Extract(x => { gradEnabled = is_grad_enabled(); return x.flatten(1).matmul(w); }, images, 3))
        {
            Assert.False(f.requires_grad);
            Assert.Equal(before + 1, DisposeScopeManager.Statistics.ThreadTotalLiveCount);   // only the result is alive
        }
        Assert.False(gradEnabled);
    }

    [Fact]
    public void NonMatrixFeaturesAreRejected()
    {
        Assert.Throws<InvalidOperationException>(() => FeatureExtractor.Extract(x => x, images, 5));
    }

    [Fact]
    public void CacheComputesOnceAndRoundTripsExactly()
    {
        var cache = new FeatureCache(dir.Sub("features"));
        int computed = 0;
        Tensor Compute() { computed++; return RawPixelFeatures.Of(ImageDataset.ToModelInput(images)); }

        using var first = cache.GetOrCompute("run=abc/split=test", Compute);
        using var second = cache.GetOrCompute("run=abc/split=test", Compute);
        Assert.Equal(1, computed);
        Assert.True(Synthetic.Same(first, second));
        using var other = cache.GetOrCompute("run=abc/split=train", Compute);
        Assert.Equal(2, computed);
        Assert.NotEqual(cache.PathFor("run=abc/split=test"), cache.PathFor("run=abc/split=train"));
        Assert.Empty(Directory.GetFiles(cache.Directory, "*.tmp-*"));

        // A file under another key's name is not served for that key.
        File.Copy(cache.PathFor("run=abc/split=test"), cache.PathFor("run=xyz/split=test"));
        Assert.False(cache.TryLoad("run=xyz/split=test", out _));
    }

    [Fact]
    public void RawPixelFeaturesFlattenInOrder()
    {
        using var x = arange(0f, 24f).reshape(2, 3, 2, 2);
        using var f = RawPixelFeatures.Of(x);
        Assert.Equal(new long[] { 2, 12 }, f.shape);
        Assert.Equal(Enumerable.Range(12, 12).Select(i => (float)i), f[1].data<float>().ToArray());
    }

    [Fact]
    public void AccuracyCountsMatches()
    {
        using var scores = tensor(new[] { 0.1f, 0.9f, 0.8f, 0.2f, 0.3f, 0.7f }, new long[] { 3, 2 });
        using var labels = tensor(new long[] { 1, 1, 1 });
        Assert.Equal(2.0 / 3, Accuracy.Top1(scores, labels), 12);
        using var predicted = tensor(new long[] { 1, 0, 1 });
        Assert.Equal(2.0 / 3, Accuracy.Top1(predicted, labels), 12);
    }

    static LDae.Models.BackboneOptions Shape(int grid, int patch, int width, int heads) =>
        new(InChannels: 3, OutChannels: 3, Patch: patch, GridSize: grid, Width: width, Depth: 8, Heads: heads, MlpRatio: 4,
            ClassConditional: false, NumClasses: 10, Placement: LDae.Models.ConditioningPlacement.Both);

    [Theory]
    // quick: 16 tokens × MLP 384 = 24.6 KB an image, 512 of them 12.6 MB: the default stays
    [InlineData(4, 96, 3, 512)]
    // cpu: 64 tokens × MLP 768 = 196.6 KB an image: 128 × 196.6 KB = 25 MB < 32 MB ≤ 256 × 196.6 KB
    [InlineData(8, 192, 6, 128)]
    // 64 tokens, width 16, 16 heads: the attention probabilities (16 × 64² floats = 256 KB an image) decide
    [InlineData(8, 16, 16, 64)]
    public void The_CPU_batch_keeps_the_largest_activation_below_the_mmap_threshold(int tokensPerSide, int width, int heads, int expected)
    {
        var shape = Shape(grid: tokensPerSide * 2, patch: 2, width, heads);
        int batch = FeatureExtractor.CpuBatch(shape);
        Assert.Equal(expected, batch);
        long perImage = 4L * shape.TokenCount * Math.Max(shape.MlpHidden, heads * shape.TokenCount);
        Assert.True(batch * perImage < MallocPolicy.MmapBytes);
        Assert.True(batch == FeatureExtractor.DefaultBatch || 2 * batch * perImage >= MallocPolicy.MmapBytes);
    }
}
