using LDae.Models;
using LDae.Data;
using LDae.Harness.Config;
using LDae.Harness.Results;
using LDae.Method;
using LDae.Method.Baselines;
using LDae.Training;
using TorchSharp;

namespace LDae.Rows;

/// <summary>
/// The row's method (pretrain.method) at its seeded initialisation: the denoiser on its tokenizer artifact, or a
/// Table 4 baseline whose ViT encoder has the width, heads and token grid of the denoiser's encoder half
/// (backbone.size → width, depth/2 blocks; one token per p×p pixel patch), so the shared probe compares like with like.
/// </summary>
public static class PretrainingMethods
{
    /// <param name="tokenizerConfig">The row's configuration as its tokenizer artifact is named (every seed of a row shares one artifact).</param>
    public static torch.nn.Module Create(ConfigTree config, ConfigTree tokenizerConfig, string profile, ResultStore store, ImageDataset train, ImageDataset test,
                                         int classes, long seed, TextWriter log)
    {
        string method = config.Text("pretrain.method");
        if (method == "denoising")
        {
            var tokenizer = TokenizerArtifacts.GetOrBuild(tokenizerConfig, profile, store, train, test, log);
            using var seeded = Seeding.Seed(seed);
            return new Denoiser(tokenizer, RunSettings.Schedule(config), RunSettings.Denoiser(config, train.Height, classes), seeded);
        }
        using var init = Seeding.Seed(seed);
        return Baseline(config, train.Height, train.Channels, init);
    }

    /// <summary>A Table 4 baseline (pretrain.method mae or mocov3) for images of this size and channel count.</summary>
    public static torch.nn.Module Baseline(ConfigTree config, int size, int channels, torch.Generator init)
    {
        string method = config.Text("pretrain.method");
        int patch = (int)config.Int("tokenizer.patch");             // a token is a p×p pixel patch, as an l-DAE token
        int width = (int)config.Int("backbone.width"), encoderDepth = BackboneOptions.EncoderDepthOf((int)config.Int("backbone.depth")), heads = (int)config.Int("backbone.heads");
        double mlpRatio = config.Double("backbone.mlp_ratio");
        return method switch
        {
            "mae" => Mae(size, channels, patch, width, encoderDepth, heads, mlpRatio, init),
            "mocov3" => new MoCoV3(size, channels, patch, width, encoderDepth, heads, mlpRatio, new MoCoV3Options(), init),
            _ => throw new ConfigException("config", "pretrain.method", $"'{method}' is not handled", "denoising, mae, mocov3"),
        };
    }

    /// <summary>MAE with its light decoder: 2/3 of the encoder's depth and width (MAE's 8 × 512 behind ViT-B).</summary>
    static MaskedAutoencoder Mae(int size, int channels, int patch, int width, int encoderDepth, int heads, double mlpRatio, torch.Generator init)
    {
        var options = new MaeOptions();
        return new MaskedAutoencoder(size, channels, patch, width, encoderDepth, heads, mlpRatio,
            options.DecoderWidth(width, heads), options.DecoderDepth(encoderDepth), options, init);
    }
}
