using System.Security.Cryptography;
using System.Text;
using LDae.Harness.Config;

namespace LDae.Harness.Experiments;

/// <summary>
/// A fitted or trained tokenizer is an artifact shared by every row that names it (same kind, patch, d, flags
/// and data). Its name is the build target (<c>tokenizer/pca-p7-d3</c>); its folder adds a hash of every key it
/// depends on, so a change of data or budget gives a new artifact instead of a stale one.
/// </summary>
public sealed record TokenizerArtifact(string Name, string Hash)
{
    /// <summary>Written last into the artifact's folder: its presence means the artifact is complete.</summary>
    public const string ManifestFile = "artifact.json";

    public string Target => "tokenizer/" + Name;
    public string FolderName => $"{Name}-{Hash}";

    /// <summary>Null when the row needs no artifact (pixels, or a raw-pixel probe).</summary>
    public static TokenizerArtifact? For(ConfigTree config)
    {
        var kind = config.Text("tokenizer.kind");
        // MAE and MoCo v3 (Table 4's baselines) work on pixel patches and need no tokenizer
        if (kind == "pixels" || config.Text("probe.encoder") == "raw-pixels" || config.Text("pretrain.method") != "denoising") return null;
        var name = $"{kind}-p{config.Int("tokenizer.patch")}-d{config.Text("tokenizer.latent_dim")}";
        if (kind == "conv-vae")
            name += (config.Bool("tokenizer.perceptual_loss"), config.Bool("tokenizer.adversarial_loss")) switch
            {
                (true, true) => "-full",
                (false, true) => "-no-perceptual",
                (true, false) => "-no-adversarial",
                _ => "-plain",
            };
        var inputs = config.Values
            .Where(kv => kv.Key.StartsWith("tokenizer.", StringComparison.Ordinal) || kv.Key.StartsWith("data.", StringComparison.Ordinal) || kv.Key == "train.seed")
            .Where(kv => kv.Key != "data.augment" && kv.Key != "data.test_subset")
            .Select(kv => $"{kv.Key}={kv.Value}");
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"method-v{MethodVersion.Current}\n" + string.Join("\n", inputs))))[..8];
        return new TokenizerArtifact(name, hash);
    }
}
