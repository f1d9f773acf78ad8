using static TorchSharp.torch;

namespace LDae.Evaluation.Generation;

/// <summary>
/// The feature network a Fréchet distance is measured in. <see cref="Metric"/> is the name results carry: "FID" only
/// for the standard Inception-v3 features, anything else under its own name, so a number is never mistaken for FID.
/// </summary>
public interface IGenerationFeatures : IDisposable
{
    /// <summary>"FID" or "FD-classifier".</summary>
    string Metric { get; }

    /// <summary>What the network is, for metrics.json and the report.</summary>
    string Network { get; }

    /// <summary>Test top-1 of a dataset classifier used as the feature network (percent); null for Inception.</summary>
    double? ClassifierTop1 { get; }

    /// <summary>Images N×C×H×W in [-1, 1] → features N×F (float32, CPU).</summary>
    Tensor Features(Tensor images);
}
