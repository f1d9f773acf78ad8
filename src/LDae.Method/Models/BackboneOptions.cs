namespace LDae.Models;

/// <summary>
/// Shape of the <see cref="DiffusionTransformer"/>: a grid InChannels×GridSize×GridSize in, patch size
/// <paramref name="Patch"/> (tokens = (GridSize/Patch)²), <paramref name="Depth"/> blocks of
/// <paramref name="Width"/> split into an encoder (first half) and a decoder (second half), and a grid
/// OutChannels×GridSize×GridSize out.
/// </summary>
/// <param name="TimestepConditional">
/// Whether the conditioning is told each input's timestep t; when false every input gets the embedding of
/// <see cref="FixedTimestep"/> (a constant modulation the blocks learn, as in a classical DAE that is not told the noise level).
/// </param>
/// <param name="ConditioningRatio">
/// Width of the conditioning vector c relative to <paramref name="Width"/>: the hidden dimension of the two-layer
/// MLP that turns t into each block's adaLN shift/scale/gate (timestep MLP → c → SiLU → per-block linear).
/// DiT uses 1; the paper sets it to 1/4 "to reduce model sizes and save memory, at no accuracy cost"
/// (see <see cref="ConditioningWidth"/>).
/// </param>
public sealed record BackboneOptions(
    int InChannels,
    int OutChannels,
    int Patch,
    int GridSize,
    int Width,
    int Depth,
    int Heads,
    double MlpRatio,
    bool ClassConditional,
    int NumClasses,
    ConditioningPlacement Placement,
    bool TimestepConditional = true,
    double ConditioningRatio = 1.0)
{
    /// <summary>
    /// Dimension of the conditioning vector c = embed(t) + embed(y): the timestep MLP is 256 → c → c, the label
    /// table has c columns, and every adaLN regression maps c → 6·Width (2·Width in the final layer). With the
    /// paper's ratio 1/4 the adaLN regressions, DiT's largest conditioning cost (6·Width² per block), shrink 4×.
    /// </summary>
    public int ConditioningWidth => Math.Max(1, (int)Math.Round(Width * ConditioningRatio));

    /// <summary>Number of tokens L = (GridSize / Patch)².</summary>
    public int TokenCount => GridSize / Patch * (GridSize / Patch);

    /// <summary>Blocks in the encoder (the first half; the probe reads its output).</summary>
    public int EncoderDepth => EncoderDepthOf(Depth);

    /// <summary>
    /// Where a backbone of <paramref name="depth"/> blocks is split: the first half is the encoder (the denoiser's
    /// probe read-out, the MAE and MoCo v3 encoders of Table 4), the second the decoder.
    /// </summary>
    public static int EncoderDepthOf(int depth) => depth / 2;

    /// <summary>Hidden width of each block's MLP.</summary>
    public int MlpHidden => (int)(Width * MlpRatio);

    /// <summary>
    /// Whether any block is an adaLN-Zero block. Only the placement decides the block type: a backbone that is not
    /// told t (<see cref="TimestepConditional"/> false) keeps its adaLN-Zero blocks and conditions them on one fixed t,
    /// so "not told the noise level" never also swaps the architecture.
    /// </summary>
    public bool UsesConditioning => Placement != ConditioningPlacement.None;

    /// <summary>The timestep every input is conditioned on when the backbone is not told t.</summary>
    public const long FixedTimestep = 0;

    /// <summary>Whether block <paramref name="index"/> (0-based) is an adaLN-Zero block.</summary>
    public bool IsConditionedBlock(int index) => UsesConditioning && Placement switch
    {
        ConditioningPlacement.Both => true,
        ConditioningPlacement.Encoder => index < EncoderDepth,
        ConditioningPlacement.Decoder => index >= EncoderDepth,
        _ => false,
    };

    /// <summary>Whether the final layer is modulated (it belongs to the decoder).</summary>
    public bool IsFinalLayerConditioned => UsesConditioning && Placement is ConditioningPlacement.Both or ConditioningPlacement.Decoder;

    /// <summary>Throws <see cref="ArgumentException"/> with a readable message if the shape is inconsistent.</summary>
    public void Validate()
    {
        void Require(bool ok, string message) { if (!ok) throw new ArgumentException($"backbone: {message} ({this})"); }
        Require(InChannels >= 1 && OutChannels >= 1, "channels must be positive");
        Require(Patch >= 1 && GridSize >= Patch && GridSize % Patch == 0, $"grid size {GridSize} must be a multiple of the patch size {Patch}");
        Require(Depth >= 2 && Depth % 2 == 0, $"depth {Depth} must be even (encoder and decoder of half depth each)");
        Require(Heads >= 1 && Width % Heads == 0, $"width {Width} must be divisible by the number of heads {Heads}");
        Require(Width % 4 == 0, $"width {Width} must be divisible by 4 (2-D sin-cos position embedding)");
        Require(MlpRatio > 0 && MlpHidden >= 1, "MLP ratio must be positive");
        Require(ConditioningRatio > 0 && double.IsFinite(ConditioningRatio), "conditioning ratio must be positive");
        Require(!ClassConditional || NumClasses >= 1, "class conditioning needs NumClasses ≥ 1");
    }
}
