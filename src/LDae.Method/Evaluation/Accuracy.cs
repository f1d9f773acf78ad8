using static TorchSharp.torch;

namespace LDae.Evaluation;

public static class Accuracy
{
    /// <summary>Fraction of rows whose predicted class equals the label. <paramref name="predictions"/> holds
    /// class indices (N) or scores (N×C, argmax taken).</summary>
    public static double Top1(Tensor predictions, Tensor labels)
    {
        using var scope = NewDisposeScope();
        var predicted = predictions.ndim == 2 ? predictions.argmax(1) : predictions;
        if (predicted.shape[0] != labels.shape[0]) throw new ArgumentException("predictions and labels differ in length");
        if (labels.shape[0] == 0) return double.NaN;
        return predicted.eq(labels.to(predicted.dtype)).to(ScalarType.Float64).mean().item<double>();
    }
}
