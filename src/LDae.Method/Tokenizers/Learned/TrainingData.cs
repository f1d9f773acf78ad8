using LDae.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace LDae.Tokenizers.Learned;

/// <summary>Small helpers shared by the tokenizer and perceptual-network training loops.</summary>
public static class TrainingData
{
    /// <summary>
    /// Images as model input: uint8 in [0, 255] → float32 in [-1, 1] (x / 127.5 − 1); float images are
    /// assumed to be in [-1, 1] already and are returned as float32.
    /// </summary>
    public static Tensor ToModelInput(Tensor images)
    {
        if (images.dtype == ScalarType.Byte) return Data.ImageDataset.ToModelInput(images);
        if (!images.is_floating_point()) throw new ArgumentException($"expected uint8 or float images, got {images.dtype}");
        return images.to_type(ScalarType.Float32);
    }

    /// <summary>
    /// A seed for one stream of random numbers (e.g. stream = epoch or step) derived from the run seed by
    /// SplitMix64 mixing, so nearby (seed, stream) pairs give unrelated generators and any step can be replayed.
    /// </summary>
    public static ulong DeriveSeed(long seed, string purpose, long stream)
    {
        ulong h = 14695981039346656037UL;                        // FNV-1a of the purpose tag
        foreach (char c in purpose) h = (h ^ c) * 1099511628211UL;
        return Seeding.SplitMix64(Seeding.SplitMix64((ulong)seed ^ h) + (ulong)stream);
    }

    /// <summary>A new CPU generator for (seed, purpose, stream).</summary>
    public static Generator Generator(long seed, string purpose, long stream = 0) =>
        new(DeriveSeed(seed, purpose, stream), CPU);

    /// <summary>Top-1 accuracy of a classifier's logits (N×K) against labels (N).</summary>
    public static double Accuracy(Tensor logits, Tensor labels)
    {
        using var scope = NewDisposeScope();
        return logits.argmax(1).eq(labels.to_type(ScalarType.Int64)).to_type(ScalarType.Float64).mean().item<double>();
    }
}
