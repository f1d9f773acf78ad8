using LDae.Files;
using LDae.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LDae.Tokenizers.Learned;

/// <summary>
/// What the learned tokenizers of the paper's Table 2 (conv VAE, patch-wise VAE, patch-wise AE) have in common:
/// an encoder that gives, per latent cell, a mean (and for a VAE a log-variance) of d values, a decoder back to
/// pixels, and LDM's latent scale factor s. The tokenizer seen by the denoiser is deterministic:
/// Encode(x) = s · mean(x) and Decode(z) = decoder(z / s).
/// </summary>
/// <remarks>
/// LDM samples z ~ q(z|x) each time it encodes an image for diffusion training. We use the posterior mean so
/// the frozen tokenizer is a function (a saved artifact gives the same latents every time, and encode →
/// decode → encode is stable); with LDM's tiny KL weight the posterior standard deviation is small next to
/// the spread of the means (the trainer reports both). Training samples with the reparameterisation trick.
/// </remarks>
public abstract class LearnedTokenizer : nn.Module, ITokenizer
{
    const string Magic = "LDAE-LEARNED-TOKENIZER";
    const int FormatVersion = 2;

    protected LearnedTokenizer(string name, int patch, int latentDim, int imageChannels) : base(name)
    {
        if (patch < 1) throw new ArgumentOutOfRangeException(nameof(patch), $"patch must be ≥ 1, got {patch}");
        if (latentDim < 1) throw new ArgumentOutOfRangeException(nameof(latentDim), $"latent dim must be ≥ 1, got {latentDim}");
        if (imageChannels < 1) throw new ArgumentOutOfRangeException(nameof(imageChannels));
        Patch = patch;
        LatentDim = latentDim;
        ImageChannels = imageChannels;
    }

    public abstract string Kind { get; }
    public int Patch { get; }
    public int LatentDim { get; }
    public int ImageChannels { get; }

    /// <summary>True for the VAEs (the encoder also gives a log-variance and training adds the KL term).</summary>
    public abstract bool IsVariational { get; }

    /// <summary>
    /// LDM's scale factor s = 1 / std of the training latents (posterior means), so the denoiser sees latents of
    /// unit variance whatever the KL weight let the encoder drift to. 1 until the trainer sets it.
    /// </summary>
    public double ScaleFactor { get; set; } = 1.0;

    /// <summary>
    /// The encoder's posterior on images N×C×H×W in [-1, 1]: mean N×d×(H/p)×(W/p) and, for a VAE, the
    /// log-variance (clamped to [-30, 20] as LDM does), else null. Unscaled.
    /// </summary>
    public abstract (Tensor Mean, Tensor? LogVar) Posterior(Tensor images);

    /// <summary>The decoder on an unscaled latent N×d×h×w → images N×C×(h·p)×(w·p).</summary>
    public abstract Tensor DecodeUnscaled(Tensor latent);

    /// <summary>Weight of the decoder's last layer: where VQGAN's adaptive adversarial weight compares gradient norms.</summary>
    public abstract Tensor DecoderLastLayerWeight { get; }

    /// <summary>Trainable parameter count.</summary>
    public long ParameterCount => parameters().Sum(p => p.numel());

    /// <summary>Images N×C×H×W in [-1, 1] → s · posterior mean, N×d×(H/p)×(W/p). Differentiable (the tokenizer is frozen, not detached).</summary>
    public Tensor Encode(Tensor images)
    {
        CheckImages(images);
        using var scope = NewDisposeScope();
        var (mean, _) = Posterior(images);
        return (mean * ScaleFactor).MoveToOuterDisposeScope();
    }

    /// <summary>Scaled latent grid N×d×h×w → images N×C×(h·p)×(w·p).</summary>
    public Tensor Decode(Tensor latent)
    {
        if (latent.dim() != 4 || latent.shape[1] != LatentDim)
            throw new ArgumentException($"expected a latent grid N×{LatentDim}×h×w, got shape [{string.Join(",", latent.shape)}]");
        using var scope = NewDisposeScope();
        return DecodeUnscaled(latent / ScaleFactor).MoveToOuterDisposeScope();
    }

    /// <summary>After training: evaluation mode and no parameter requires a gradient (gradients still flow through to inputs).</summary>
    public void Freeze()
    {
        zero_grad();
        eval();
        foreach (var p in parameters()) p.requires_grad = false;
    }

    /// <summary>
    /// The posterior of a variational tokenizer (conv VAE, patch VAE): the diagonal Gaussian that the encoder's 2·d
    /// output channels parameterise — the mean, and the log-variance clamped to [−30, 20] as LDM's
    /// DiagonalGaussianDistribution does.
    /// </summary>
    protected (Tensor Mean, Tensor? LogVar) GaussianPosterior(nn.Module<Tensor, Tensor> encoder, Tensor images)
    {
        CheckImages(images);
        using var scope = NewDisposeScope();
        var halves = encoder.forward(images).chunk(2, 1);
        return (halves[0].MoveToOuterDisposeScope(), halves[1].clamp(-30, 20).MoveToOuterDisposeScope());
    }

    protected void CheckImages(Tensor images)
    {
        if (images.dim() != 4 || images.shape[1] != ImageChannels)
            throw new ArgumentException($"expected images N×{ImageChannels}×H×W, got shape [{string.Join(",", images.shape)}]");
        if (images.shape[2] % Patch != 0 || images.shape[3] % Patch != 0)
            throw new ArgumentException($"image size {images.shape[2]}×{images.shape[3]} is not divisible by the tokenizer's patch {Patch}");
    }

    /// <summary>
    /// PyTorch's default init for every conv and linear (weights and biases uniform in ±1/√fan_in), drawn from
    /// <paramref name="g"/> so that a seed fixes the initial weights (TorchSharp's built-in init ignores generators).
    /// </summary>
    public void InitializeWeights(Generator g) => SeededInit.Default(this, g);

    /// <summary>Architecture numbers a subclass needs to rebuild itself (written after the common header).</summary>
    protected abstract int[] ArchitectureConfig { get; }

    /// <summary>Writes header (kind, p, d, C, s, architecture) and every parameter; atomic, with its SHA-256 beside it (<see cref="VerifiedFile"/>).</summary>
    public void Save(string path)
    {
        VerifiedFile.WriteBinary(path, writer =>
        {
            ModuleFile.WriteHeader(writer, Magic, FormatVersion);
            writer.Write(Kind);
            writer.Write(Patch);
            writer.Write(LatentDim);
            writer.Write(ImageChannels);
            writer.Write(ScaleFactor);
            var config = ArchitectureConfig;
            writer.Write(config.Length);
            foreach (var v in config) writer.Write(v);
            ModuleFile.WriteState(writer, this);
        });
    }

    /// <summary>Reads any learned tokenizer written by <see cref="Save"/> (dispatches on the kind in the header); returned frozen.</summary>
    public static LearnedTokenizer Load(string path)
    {
        using var reader = ModuleFile.OpenRead(path, Magic, FormatVersion, "learned-tokenizer");
        var kind = reader.ReadString();
        int patch = reader.ReadInt32(), latentDim = reader.ReadInt32(), channels = reader.ReadInt32();
        var scale = reader.ReadDouble();
        var config = new int[reader.ReadInt32()];
        for (int i = 0; i < config.Length; i++) config[i] = reader.ReadInt32();

        LearnedTokenizer model = kind switch
        {
            ConvVae.KindName => ConvVae.FromConfig(patch, latentDim, channels, config),
            PatchVae.KindName => PatchVae.FromConfig(patch, latentDim, channels, config),
            PatchAe.KindName => PatchAe.FromConfig(patch, latentDim, channels, config),
            _ => throw new InvalidDataException($"{path}: unknown learned tokenizer kind '{kind}'"),
        };
        try
        {
            model.ScaleFactor = scale;
            ModuleFile.ReadStateInto(reader, model, path, kind);
            model.Freeze();
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }
}
