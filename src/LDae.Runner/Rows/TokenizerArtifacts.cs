using LDae.Files;
using System.Diagnostics;
using System.Text.Json;
using LDae.Data;
using LDae.Harness.Config;
using LDae.Harness.Experiments;
using LDae.Harness.Results;
using LDae.Tokenizers;
using LDae.Tokenizers.Learned;
using static TorchSharp.torch;

namespace LDae.Rows;

/// <summary>
/// Fitted / trained tokenizers as shared artifacts: <c>results/&lt;profile&gt;/tokenizers/&lt;name&gt;-&lt;hash&gt;/</c> with the
/// tokenizer's weights and an artifact.json written last (its presence means complete). Built once, under a
/// lock, and reused by every row that names the same tokenizer.
/// </summary>
public static class TokenizerArtifacts
{
    public const string ManifestFile = TokenizerArtifact.ManifestFile;

    /// <summary>Tokenizer kinds this class can build and load (pixels needs no artifact).</summary>
    public static readonly IReadOnlySet<string> Kinds = new HashSet<string>(LearnedTokenizerSpec.Kinds.Append("pca"));

    /// <summary>
    /// The tokenizer of a row: built if missing, loaded otherwise. An artifact whose weights are missing, carry no
    /// SHA-256 or do not match it is built again (one line says which file and why), never loaded. Null artifact = pixels.
    /// </summary>
    public static ITokenizer GetOrBuild(ConfigTree config, string profile, ResultStore store, ImageDataset train, ImageDataset test, TextWriter log)
    {
        var artifact = TokenizerArtifact.For(config);
        if (artifact is null) return new PixelTokenizer(train.Channels, (int)config.Int("tokenizer.downscale"));
        var dir = store.TokenizerDir(profile, artifact.FolderName);
        if (!artifact.IsReady(dir))
        {
            using var _ = RunLock.Acquire(Path.Combine(dir, ".lock"), TimeSpan.FromHours(12), log);
            if (TokenizerArtifact.IsBuilt(dir) && artifact.Damage(dir) is { } damage)
            {
                log.WriteLine($"[tokenizer] {artifact.Name}: {damage}; building it again");
                File.Delete(Path.Combine(dir, ManifestFile)); // incomplete until rebuilt
            }
            if (!TokenizerArtifact.IsBuilt(dir)) Build(config, artifact, dir, train, test, log);
        }
        return Load(config, dir);
    }

    static ITokenizer Load(ConfigTree config, string dir) => config.Text("tokenizer.kind") switch
    {
        "pca" => PatchPcaTokenizer.Load(Path.Combine(dir, "pca.bin")),
        _ => LearnedTokenizerTrainer.Load(dir),
    };

    static void Build(ConfigTree config, TokenizerArtifact artifact, string dir, ImageDataset train, ImageDataset test, TextWriter log)
    {
        var kind = config.Text("tokenizer.kind");
        int fitCount = (int)Math.Min(config.Int("tokenizer.fit_images"), train.Count);
        using var subset = fitCount < train.Count ? train.Subset(fitCount, config.Int("train.seed")) : null;
        var fit = subset ?? train;
        if (kind == "pca")
        {
            FitPca(config, artifact, dir, fit, log);
            return;
        }
        // Learned tokenizers write their own artifact.json (PSNR on the test split, latent scale) last.
        log.WriteLine($"[tokenizer] training {artifact.Name} on {fit.Count} training images");
        using var trained = LearnedTokenizerTrainer.Train(LearnedSpec(config), fit.Images, fit.Labels, test.Images, test.Labels, dir, log);
    }

    /// <summary>
    /// The learned tokenizer a row's configuration names (conv VAE, patch VAE or AE). A token covers p×p pixels and
    /// d values: the conv VAE makes them 2×2 cells of d/4 channels at stride p/2.
    /// </summary>
    public static LearnedTokenizerSpec LearnedSpec(ConfigTree config)
    {
        int cells = RunSettings.CellsPerTokenSide(config);
        return new()
        {
            Kind = config.Text("tokenizer.kind"),
            Patch = (int)config.Int("tokenizer.patch") / cells,
            LatentDim = RunSettings.LatentDim(config) / (cells * cells),
            Perceptual = config.Bool("tokenizer.perceptual_loss"),
            Adversarial = config.Bool("tokenizer.adversarial_loss"),
            Epochs = (int)config.Int("tokenizer.train_epochs"),
            Seed = (int)config.Int("train.seed"),
        };
    }

    static void FitPca(ConfigTree config, TokenizerArtifact artifact, string dir, ImageDataset fit, TextWriter log)
    {
        var watch = Stopwatch.StartNew();
        int patch = (int)config.Int("tokenizer.patch"), d = RunSettings.LatentDim(config);
        int fitCount = fit.Count;
        log.WriteLine($"[tokenizer] fitting {artifact.Name} on {fitCount} training images");

        using var scope = NewDisposeScope();
        var images = ImageDataset.ToModelInput(fit.Images);
        using var pca = PatchPcaTokenizer.Fit(images, patch, d, RunSettings.Scaling(config));
        Directory.CreateDirectory(dir);
        pca.Save(Path.Combine(dir, "pca.bin")); // atomic
        var manifest = new Dictionary<string, object>
        {
            ["name"] = artifact.Name,
            ["kind"] = "pca",
            ["patch"] = patch,
            ["patch_dim"] = pca.PatchDim,
            ["latent_dim"] = d,
            ["scaling"] = config.Text("tokenizer.scaling"),
            ["explained_variance"] = Math.Round(pca.ExplainedVariance, 6),
            ["fit_images"] = fitCount,
            ["seconds"] = Math.Round(watch.Elapsed.TotalSeconds, 2),
        };
        AtomicFile.WriteText(Path.Combine(dir, ManifestFile), JsonSerializer.Serialize(manifest, new JsonSerializerOptions { WriteIndented = true }) + "\n");
        log.WriteLine($"[tokenizer] {artifact.Name}: explained variance {pca.ExplainedVariance:P1} in {watch.Elapsed.TotalSeconds:0.0} s");
    }
}
