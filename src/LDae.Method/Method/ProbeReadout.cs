namespace LDae.Method;

/// <summary>
/// Where and how the linear probe reads a denoiser's representation: the time step t the network is told, whether
/// the input is noised at t's level, and after how many blocks the tokens are read (the encoder/decoder split).
/// </summary>
/// <remarks>
/// <para><b>t</b> is a step of the row's own noise schedule (0..T; the paper probes at t = 10 of 1000). The network
/// is conditioned on t exactly as in training (its timestep embedding, when it has one) with the null class.
/// <b>Clean input</b> feeds the clean latent at that t — with image input, decode(encode(x)), what the network
/// sees as the noise goes to zero. <b>Noisy input</b> adds that step's noise as training does, z_t = γ_t·z + σ_t·ε,
/// ε drawn from a seeded generator, in the latent (before the inverse PCA for image input).</para>
/// <para>Where t carries no information it still has one meaning. With a single noise level every t ≥ 1 is the same
/// σ, so noisy input at any t ≥ 1 is noise at that σ and t = 0 is clean; a network without timestep conditioning
/// ignores the t it is told, so t then only chooses the noise of noisy input (and nothing for clean input).</para>
/// </remarks>
/// <param name="T">The time step (0 = clean, the end of every schedule).</param>
/// <param name="NoisyInput">Noise the input at t's level.</param>
/// <param name="Blocks">Read the tokens after this many blocks; null = the encoder (depth/2).</param>
public sealed record ProbeReadout(int T = ProbeReadout.PaperT, bool NoisyInput = false, int? Blocks = null)
{
    /// <summary>The paper's probe: t = 10 with clean input, everywhere except its Table 4.</summary>
    public const int PaperT = 10;

    public static ProbeReadout Paper { get; } = new();
}
