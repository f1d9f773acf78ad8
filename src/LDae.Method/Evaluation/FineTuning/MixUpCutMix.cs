using MathNet.Numerics.Distributions;
using static TorchSharp.torch;

namespace LDae.Evaluation.FineTuning;

/// <summary>MixUp's and CutMix's Beta(α, α) parameters (0 = off) and the probability of CutMix when both are on.</summary>
public sealed record MixOptions(double MixUpAlpha, double CutMixAlpha, double LabelSmoothing, double CutMixProbability = 0.5)
{
    public bool Enabled => MixUpAlpha > 0 || CutMixAlpha > 0;
}

/// <summary>A mixed batch: the images, their N×K soft targets, the label weight λ of each image's own class and which mix it was.</summary>
public sealed record MixedBatch(Tensor Images, Tensor Targets, double Lambda, bool CutMix) : IDisposable
{
    public void Dispose()
    {
        Images.Dispose();
        Targets.Dispose();
    }
}

/// <summary>
/// MixUp and CutMix as MAE's fine-tuning applies them (timm's Mixup, batch mode): one λ ~ Beta(α, α) per batch; each
/// image is mixed with the image at the mirrored position of the batch (the batch flipped). MixUp blends the whole
/// images, λ·x + (1 − λ)·x'; CutMix pastes a box of x' of area ≈ (1 − λ) of the image (side √(1 − λ) of each side,
/// centre uniform, clipped at the border) and then sets λ to the area actually kept. The targets are mixed with the
/// same λ: λ·y + (1 − λ)·y', y the label-smoothed one-hot. With both on, a batch is CutMix with probability ½.
/// </summary>
/// <remarks>The draws come from <paramref name="rng"/> of <see cref="Apply"/>, a per-step seeded generator of the caller.</remarks>
public static class MixUpCutMix
{
    /// <summary>Mixes a float batch N×C×H×W with its labels (N class indices).</summary>
    public static MixedBatch Apply(Tensor images, Tensor labels, int classes, MixOptions o, Random rng)
    {
        using var scope = NewDisposeScope();
        using var targets = SoftTargets.OneHot(labels, classes, o.LabelSmoothing);
        if (!o.Enabled) return Keep(images.alias(), targets.alias(), 1.0, false);
        bool cutMix = o.CutMixAlpha > 0 && (o.MixUpAlpha <= 0 || rng.NextDouble() < o.CutMixProbability);
        double lambda = Beta.Sample(rng, cutMix ? o.CutMixAlpha : o.MixUpAlpha, cutMix ? o.CutMixAlpha : o.MixUpAlpha);
        var partner = images.flip(0);
        Tensor mixed;
        if (cutMix)
        {
            var (top, bottom, left, right) = Box(images.shape[2], images.shape[3], lambda, rng);
            mixed = images.clone();
            if (bottom > top && right > left)
                mixed.narrow(2, top, bottom - top).narrow(3, left, right - left)
                    .copy_(partner.narrow(2, top, bottom - top).narrow(3, left, right - left));
            lambda = 1 - (double)(bottom - top) * (right - left) / (images.shape[2] * images.shape[3]);
        }
        else mixed = images * lambda + partner * (1 - lambda);
        var mixedTargets = targets * lambda + targets.flip(0) * (1 - lambda);
        return Keep(mixed, mixedTargets, lambda, cutMix);
    }

    static MixedBatch Keep(Tensor images, Tensor targets, double lambda, bool cutMix) =>
        new(images.MoveToOuterDisposeScope(), targets.MoveToOuterDisposeScope(), lambda, cutMix);

    /// <summary>
    /// CutMix's box for λ: sides √(1 − λ)·H and √(1 − λ)·W around a uniform centre, clipped to the image; rows
    /// [top, bottom), columns [left, right).
    /// </summary>
    public static (long Top, long Bottom, long Left, long Right) Box(long height, long width, double lambda, Random rng)
    {
        double ratio = Math.Sqrt(1 - lambda);
        long cutH = (long)(height * ratio), cutW = (long)(width * ratio);
        long cy = rng.NextInt64(height), cx = rng.NextInt64(width);
        return (Math.Clamp(cy - cutH / 2, 0, height), Math.Clamp(cy + cutH / 2, 0, height),
                Math.Clamp(cx - cutW / 2, 0, width), Math.Clamp(cx + cutW / 2, 0, width));
    }
}
