using static TorchSharp.torch;

namespace LDae.Training;

/// <summary>
/// An <see cref="IBatchSource"/> over tensors held in memory: each epoch visits a permutation drawn from
/// (seed, "shuffle", epoch), in full batches (the remainder is dropped).
/// </summary>
/// <remarks>Does not own <paramref name="x"/> / <paramref name="y"/>; the caller keeps them alive and disposes them.</remarks>
public sealed class TensorBatchSource(Tensor x, Tensor? y, int batchSize, long seed, bool shuffle = true) : IBatchSource
{
    long[]? order;
    int orderEpoch = -1;

    public int BatchSize { get; } = batchSize > 0 && batchSize <= x.shape[0]
        ? batchSize
        : throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, $"must be in 1..{x.shape[0]}");

    public int StepsPerEpoch => (int)(x.shape[0] / BatchSize);

    public Batch Get(int epoch, int index)
    {
        if (index < 0 || index >= StepsPerEpoch) throw new ArgumentOutOfRangeException(nameof(index));
        using var idx = tensor(Order(epoch).AsSpan(index * BatchSize, BatchSize).ToArray());
        return new Batch(x.index_select(0, idx), y?.index_select(0, idx));
    }

    long[] Order(int epoch)
    {
        if (order is not null && orderEpoch == epoch) return order;
        long n = x.shape[0];
        if (shuffle)
        {
            using var g = Seeding.Generator(seed, "shuffle", epoch);
            using var perm = randperm(n, generator: g);
            order = perm.data<long>().ToArray();
        }
        else order = Enumerable.Range(0, (int)n).Select(i => (long)i).ToArray();
        orderEpoch = epoch;
        return order;
    }
}
