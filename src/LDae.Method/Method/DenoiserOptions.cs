using LDae.Models;
using LDae.Objectives;

namespace LDae.Method;

/// <summary>
/// Everything the <see cref="Denoiser"/> needs besides its tokenizer and schedule: the backbone size, the
/// objective knobs of Table 3 and the conditioning. Channel counts and the token grid follow from the
/// tokenizer and the input/output spaces (see <see cref="Denoiser.BackboneFor"/>).
/// </summary>
public sealed record DenoiserOptions
{
    /// <summary>Side of the (square) training images in pixels.</summary>
    public required int ImageSize { get; init; }

    public int Width { get; init; } = 192;

    /// <summary>Total blocks; the encoder is the first half.</summary>
    public int Depth { get; init; } = 12;

    public int Heads { get; init; } = 3;
    public double MlpRatio { get; init; } = 4.0;

    /// <summary>
    /// Backbone patch size in latent cells: a token covers TokenPatch×TokenPatch cells of the latent grid,
    /// i.e. (TokenPatch·p)² pixels. 1 for the patch-wise tokenizers (one token per PCA patch); the pixel
    /// tokenizer (p = 1) uses it as the pixel patch size.
    /// </summary>
    public int TokenPatch { get; init; } = 1;

    public ObjectiveOptions Objective { get; init; } = new();

    /// <summary>Class-label conditioning (DiT baseline). Removing it is Table 1's second row.</summary>
    public bool ClassConditional { get; init; }

    public int NumClasses { get; init; }

    /// <summary>Probability of replacing a label by the null class in training (classifier-free training; DiT uses 0.1).</summary>
    public double LabelDropout { get; init; } = 0.1;

    /// <summary>
    /// Whether the network is told the timestep t. Off for a classical DAE ("single noise level"): with no
    /// class label either, every block is a plain ViT block.
    /// </summary>
    public bool TimestepConditional { get; init; } = true;

    /// <summary>Width of the adaLN conditioning relative to the model width: the paper's 1/4 (DiT: 1); see <see cref="BackboneOptions.ConditioningRatio"/>.</summary>
    public double ConditioningRatio { get; init; } = 0.25;

    public ConditioningPlacement Placement { get; init; } = ConditioningPlacement.Both;
}
