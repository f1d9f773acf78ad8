namespace LDae.Tokenizers.Learned;

/// <summary>
/// How the stand-in for LPIPS's VGG is trained: a small VGG-style classifier (<see cref="Widths"/> channels per
/// stage, two conv 3×3 + ReLU per stage) trained with labels on the tokenizer's own training images.
/// </summary>
public sealed record PerceptualTrainOptions
{
    public int Epochs { get; init; } = 4;
    public int BatchSize { get; init; } = 64;
    public double Lr { get; init; } = 5e-3;
    public double WeightDecay { get; init; } = 1e-4;
    public int Seed { get; init; } = 0;

    /// <summary>Channels of the conv stages; the perceptual distance reads each stage's output.</summary>
    public int[] Widths { get; init; } = [8, 16, 32];

    /// <summary>A text form of every field (for cache keys and logs).</summary>
    public string Describe() =>
        $"epochs={Epochs} batch={BatchSize} lr={Lr:R} wd={WeightDecay:R} seed={Seed} widths={string.Join(",", Widths)}";

    public void Validate()
    {
        if (Epochs < 1) throw new ArgumentOutOfRangeException(nameof(Epochs));
        if (BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(BatchSize));
        if (!(Lr > 0)) throw new ArgumentOutOfRangeException(nameof(Lr));
        if (Widths.Length == 0 || Widths.Any(w => w < 1)) throw new ArgumentException("perceptual network widths must be positive and non-empty");
    }
}
