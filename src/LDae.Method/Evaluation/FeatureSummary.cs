using static TorchSharp.torch;

namespace LDae.Evaluation;

/// <summary>
/// The mean and standard deviation over every entry of a feature matrix (N×F), in float64. Two runs that give the
/// same features give the same two numbers, and any change of the encoder the probe reads (its weights, its
/// readout, the input it is shown) moves them: a cheap fingerprint of the features, recorded with each row.
/// </summary>
public sealed record FeatureSummary(double Mean, double Sd)
{
    public static FeatureSummary Of(Tensor features)
    {
        using var scope = NewDisposeScope();
        var all = features.to_type(ScalarType.Float64).flatten();
        return new FeatureSummary(all.mean().item<double>(), all.std().item<double>());
    }
}
