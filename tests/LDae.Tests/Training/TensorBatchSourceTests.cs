using LDae.Runtime;
using LDae.Training;
using Xunit;
using static TorchSharp.torch;

namespace LDae.Tests.Training;

public class TensorBatchSourceTests
{
    public TensorBatchSourceTests() => TorchRuntime.EnsureLoaded(threads: 1);

    static long[] Ids(Batch b) => b.X.data<long>().ToArray();

    [Fact]
    public void EachEpochIsAPermutationInFullBatches()
    {
        using var x = arange(0L, 10L);
        var source = new TensorBatchSource(x, null, batchSize: 3, seed: 1);
        Assert.Equal(3, source.StepsPerEpoch);                               // 10 / 3, remainder dropped
        var epoch0 = Enumerable.Range(0, 3).SelectMany(i => Ids(source.Get(0, i))).ToArray();
        var epoch1 = Enumerable.Range(0, 3).SelectMany(i => Ids(source.Get(1, i))).ToArray();
        Assert.Equal(9, epoch0.Distinct().Count());
        Assert.NotEqual(epoch0, epoch1);                                      // reshuffled per epoch
    }

    [Fact]
    public void BatchesArePureFunctionsOfSeedEpochAndIndex()
    {
        using var x = arange(0L, 100L);
        using var y = arange(100L, 200L);
        var a = new TensorBatchSource(x, y, 10, seed: 4);
        var b = new TensorBatchSource(x, y, 10, seed: 4);
        var later = Ids(a.Get(3, 5));
        _ = a.Get(0, 0);                                                      // random access order does not matter
        Assert.Equal(later, Ids(b.Get(3, 5)));
        Assert.Equal(later, Ids(a.Get(3, 5)));
        var batch = a.Get(2, 1);
        Assert.Equal(Ids(batch).Select(v => v + 100), batch.Y!.data<long>().ToArray());   // labels follow inputs
        Assert.NotEqual(later, Ids(new TensorBatchSource(x, y, 10, seed: 5).Get(3, 5)));
    }
}
