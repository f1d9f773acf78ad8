namespace LDae.Objectives;

/// <summary>
/// The Table 3 knobs of the denoising objective. A row of the table is a change of these values, never a
/// code path of its own.
/// </summary>
public sealed record ObjectiveOptions
{
    public Prediction Prediction { get; init; } = Prediction.Epsilon;
    public InputSpace Input { get; init; } = InputSpace.Latent;
    public OutputSpace Output { get; init; } = OutputSpace.Latent;

    /// <summary>For <see cref="Prediction.OriginalImage"/>: weight of the error outside the PCA subspace (the paper down-weights it; 0.1).</summary>
    public double ResidualWeight { get; init; } = 0.1;
}
