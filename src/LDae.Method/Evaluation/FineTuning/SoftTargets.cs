using static TorchSharp.torch;

namespace LDae.Evaluation.FineTuning;

/// <summary>
/// Class targets as distributions: label smoothing (each class gets ε/K, the true class 1 − ε + ε/K) and the cross
/// entropy against such a distribution, −Σ_k q_k log softmax(z)_k averaged over the batch — timm's
/// SoftTargetCrossEntropy, which MixUp/CutMix need because their targets mix two classes.
/// </summary>
public static class SoftTargets
{
    /// <summary>N labels → N×K smoothed one-hot targets (float32, on the labels' device).</summary>
    public static Tensor OneHot(Tensor labels, int classes, double smoothing)
    {
        if (smoothing is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(smoothing), smoothing, "label smoothing must be in [0, 1)");
        double off = smoothing / classes, on = 1 - smoothing + off;
        using var scope = NewDisposeScope();
        var hot = nn.functional.one_hot(labels.to(ScalarType.Int64), classes).to(ScalarType.Float32);
        return (hot * (on - off) + off).MoveToOuterDisposeScope();
    }

    /// <summary>Mean over the batch of −Σ_k targets_k · log softmax(logits)_k.</summary>
    public static Tensor CrossEntropy(Tensor logits, Tensor targets)
    {
        if (!logits.shape.SequenceEqual(targets.shape)) throw new ArgumentException("logits and targets must both be N×K");
        using var scope = NewDisposeScope();
        return (-targets * nn.functional.log_softmax(logits, 1)).sum(1).mean().MoveToOuterDisposeScope();
    }
}
