using LDae.Harness.Config;

namespace LDae.Harness.Experiments;

/// <summary>
/// Which parts of the method exist yet, and whether the profile's model has what the row reads (an
/// encoder/decoder split). A row that needs a missing part says so when run — it is never silently skipped or
/// faked. Extend the sets when a part lands (a test checks each listed kind is buildable).
/// </summary>
public static class Availability
{
    public static readonly IReadOnlySet<string> Tokenizers = new HashSet<string> { "pixels", "pca", "conv-vae", "patch-vae", "patch-ae" };
    public static readonly IReadOnlySet<string> Methods = new HashSet<string> { "denoising", "mae", "mocov3" };

    static readonly Dictionary<string, string> Names = new()
    {
        ["conv-vae"] = "the conv VAE tokenizer",
        ["patch-vae"] = "the patch-wise VAE tokenizer",
        ["patch-ae"] = "the patch-wise AE tokenizer",
    };

    /// <summary>Null when the row can run; otherwise why not ("not available yet: needs …", or a profile whose patch the row cannot use).</summary>
    public static string? Missing(ConfigTree config)
    {
        var method = config.Text("pretrain.method");
        if (!Methods.Contains(method)) return $"not available yet: needs {Names.GetValueOrDefault(method, method)}";
        if (config.Text("probe.encoder") == "raw-pixels") return null;
        if (SplitOutOfRange(config) is { } split) return split;
        // MAE and MoCo v3 are an encoder alone: the probe can read inside it, not past it
        if (method != "denoising" && config.Int("probe.split") > 0)
            return $"not for {method}: the probe reads after at most the encoder's depth/2 blocks (probe.split ≤ 0)";
        var kind = config.Text("tokenizer.kind");
        if (!Tokenizers.Contains(kind)) return $"not available yet: needs {Names.GetValueOrDefault(kind, kind)}";
        long patch = config.Int("tokenizer.patch"), downscale = config.Int("tokenizer.downscale");
        if (kind == "pixels" && patch % downscale != 0)
            return $"not available at this profile: the pixel patch {patch} is not divisible by tokenizer.downscale = {downscale}";
        if (kind == "conv-vae" && (patch < 2 || !long.IsPow2(patch)))
            return $"not available at this profile: the conv VAE has stride p/2 with 2×2 cells per token, so it needs a power-of-two patch ≥ 2, not {patch}";
        return null;
    }

    /// <summary>
    /// A split of the encoder/decoder study that this profile's model does not have: a split leaves at least one
    /// block on each side, 1 ≤ k ≤ depth − 1 (k = depth/2 + probe.split).
    /// </summary>
    static string? SplitOutOfRange(ConfigTree config)
    {
        long k = config.Int("probe.blocks"), depth = config.Int("backbone.depth");
        return k >= 1 && k <= depth - 1 ? null
            : $"not at this profile: probing after k blocks needs 1 ≤ k ≤ depth − 1 = {depth - 1}";
    }
}
