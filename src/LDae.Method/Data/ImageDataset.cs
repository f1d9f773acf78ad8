using TorchSharp;
using static TorchSharp.torch;

namespace LDae.Data;

/// <summary>
/// One split of an image classification dataset, held in memory as it is stored on disk: uint8 pixels
/// N×C×H×W and int64 labels N, both on the CPU. Conversion to model input (float in [-1, 1]) happens per
/// batch (<see cref="ToModelInput"/>), so the whole split costs one byte per pixel.
/// </summary>
/// <remarks>
/// The dataset owns its two tensors (they are detached from any dispose scope when it is built) and frees
/// them in <see cref="Dispose"/>. Everything it returns (subsets, batches) is new memory owned by the caller.
/// </remarks>
public sealed class ImageDataset : IDisposable
{
    public string Name { get; }
    /// <summary>uint8, N×C×H×W, CPU, contiguous.</summary>
    public Tensor Images { get; }
    /// <summary>int64, N, values in [0, ClassNames.Count).</summary>
    public Tensor Labels { get; }
    public IReadOnlyList<string> ClassNames { get; }

    public int Count { get; }
    public int Channels { get; }
    public int Height { get; }
    public int Width { get; }

    /// <summary>Wraps <paramref name="images"/> and <paramref name="labels"/>, taking ownership of both.</summary>
    public ImageDataset(string name, Tensor images, Tensor labels, IReadOnlyList<string> classNames)
    {
        if (images.dtype != ScalarType.Byte || images.dim() != 4)
            throw new ArgumentException($"{name}: images must be uint8 N×C×H×W, got {images.dtype} [{string.Join(",", images.shape)}]", nameof(images));
        if (labels.dtype != ScalarType.Int64 || labels.dim() != 1 || labels.shape[0] != images.shape[0])
            throw new ArgumentException($"{name}: labels must be int64 of length {images.shape[0]}, got {labels.dtype} [{string.Join(",", labels.shape)}]", nameof(labels));
        if (images.device_type != DeviceType.CPU || labels.device_type != DeviceType.CPU)
            throw new ArgumentException($"{name}: datasets live on the CPU; move batches to the device instead", nameof(images));
        if (classNames.Count == 0) throw new ArgumentException($"{name}: no class names", nameof(classNames));
        if (labels.shape[0] > 0)
        {
            using var lo = labels.min();
            using var hi = labels.max();
            long min = lo.item<long>(), max = hi.item<long>();
            if (min < 0 || max >= classNames.Count)
                throw new ArgumentException($"{name}: labels span [{min}, {max}] but there are {classNames.Count} classes", nameof(labels));
        }

        Name = name;
        if (!images.is_contiguous())
        {
            var packed = images.contiguous();
            images.Dispose();
            images = packed;
        }
        Images = images.DetachFromDisposeScope();
        Labels = labels.DetachFromDisposeScope();
        ClassNames = classNames.ToArray();
        Count = (int)images.shape[0];
        Channels = (int)images.shape[1];
        Height = (int)images.shape[2];
        Width = (int)images.shape[3];
    }

    /// <summary>Images per class, indexed like <see cref="ClassNames"/>.</summary>
    public long[] ClassCounts()
    {
        using var counts = Labels.bincount(null, ClassNames.Count);
        return counts.data<long>().ToArray();
    }

    /// <summary>The rows <paramref name="indices"/> (in that order) as a new dataset.</summary>
    public ImageDataset Select(IReadOnlyList<long> indices, string name)
    {
        using var scope = NewDisposeScope();
        using var idx = tensor(indices.ToArray(), dtype: ScalarType.Int64);
        return new ImageDataset(name, Images.index_select(0, idx), Labels.index_select(0, idx), ClassNames);
    }

    /// <summary>
    /// A seeded random subset of <paramref name="count"/> images: the first <paramref name="count"/> entries of
    /// a permutation drawn from <paramref name="seed"/>, kept in the dataset's original order. It is simply
    /// random, not class-balanced (for "the first k of every class" use <see cref="TakePerClass"/>).
    /// </summary>
    public ImageDataset Subset(int count, long seed)
    {
        if (count < 0 || count > Count) throw new ArgumentOutOfRangeException(nameof(count), $"{Name}: subset of {count} from {Count} images");
        long[] chosen;
        using (var g = Training.Seeding.StreamGenerator(seed, SubsetStream))
        using (var perm = randperm(Count, generator: g))
            chosen = perm.data<long>().ToArray()[..count];
        Array.Sort(chosen);
        return Select(chosen, $"{Name}[subset {count}, seed {seed}]");
    }

    /// <summary>
    /// The first <paramref name="perClass"/> images of every class, in dataset order (all of a class that has
    /// fewer). Deterministic without a seed, so a small "k per class" split means the same images everywhere.
    /// </summary>
    public ImageDataset TakePerClass(int perClass, string? name = null)
    {
        if (perClass <= 0) throw new ArgumentOutOfRangeException(nameof(perClass), $"{Name}: {perClass} images per class");
        var labels = Labels.data<long>().ToArray();
        var taken = new int[ClassNames.Count];
        var keep = new List<long>();
        for (int i = 0; i < labels.Length; i++)
            if (taken[labels[i]]++ < perClass) keep.Add(i);
        return Select(keep, name ?? $"{Name}[{perClass}/class]");
    }

    /// <summary>Number of batches <see cref="Batches"/> yields.</summary>
    public int BatchCount(int batchSize, bool dropLast)
    {
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize));
        return dropLast ? Count / batchSize : (Count + batchSize - 1) / batchSize;
    }

    /// <summary>
    /// One epoch of mini-batches: uint8 images B×C×H×W and int64 labels B (copies, via index_select).
    /// With <paramref name="shuffle"/>, the order is a permutation drawn from a generator seeded by
    /// (<paramref name="seed"/>, <paramref name="epoch"/>) only, so any epoch can be replayed on its own (resume).
    /// Without it, the dataset order. <paramref name="dropLast"/> drops a final short batch.
    /// </summary>
    /// <remarks>
    /// Each pair is created when the enumerator advances, so it belongs to whatever <see cref="DisposeScope"/>
    /// is current at that moment (usually the one around the loop, not one opened inside the loop body):
    /// dispose the pair yourself, or <c>scope.Attach</c> it to your per-step scope.
    /// </remarks>
    public IEnumerable<(Tensor images, Tensor labels)> Batches(int batchSize, long seed, int epoch, bool shuffle, bool dropLast)
    {
        int batches = BatchCount(batchSize, dropLast);
        long[] order;
        if (shuffle)
        {
            using var g = Training.Seeding.StreamGenerator(seed, epoch);
            using var perm = randperm(Count, generator: g);
            order = perm.data<long>().ToArray();
        }
        else order = Enumerable.Range(0, Count).Select(i => (long)i).ToArray();

        for (int b = 0; b < batches; b++)
        {
            int start = b * batchSize, size = Math.Min(batchSize, Count - start);
            using var idx = tensor(order.AsSpan(start, size).ToArray(), dtype: ScalarType.Int64);
            yield return (Images.index_select(0, idx), Labels.index_select(0, idx));
        }
    }

    /// <summary>uint8 images (any shape) → float32 in [-1, 1]: 0 ↦ −1, 255 ↦ +1.</summary>
    public static Tensor ToModelInput(Tensor uint8Batch)
    {
        if (uint8Batch.dtype != ScalarType.Byte)
            throw new ArgumentException($"expected uint8 images, got {uint8Batch.dtype}", nameof(uint8Batch));
        using var scope = NewDisposeScope();
        return uint8Batch.to_type(ScalarType.Float32).div_(127.5).sub_(1.0).MoveToOuterDisposeScope();
    }

    /// <summary>Inverse of <see cref="ToModelInput"/> for display: float in [-1, 1] → uint8 (rounded, clamped).</summary>
    public static Tensor ToImageBytes(Tensor modelImages)
    {
        using var scope = NewDisposeScope();
        return modelImages.add(1.0).mul_(127.5).round_().clamp_(0, 255).to_type(ScalarType.Byte).MoveToOuterDisposeScope();
    }

    public override string ToString() =>
        $"{Name}: {Count} images {Channels}×{Height}×{Width}, {ClassNames.Count} classes";

    public void Dispose()
    {
        Images.Dispose();
        Labels.Dispose();
    }

    // Stream ids for Seeding.StreamGenerator: epochs use 0, 1, 2, …; the subset uses a negative id so it never collides.
    const long SubsetStream = -1;
}
