using LDae.Runtime;
using LDae.Tests.Method;
using LDae.Tokenizers.Learned;
using TorchSharp;
using static TorchSharp.torch;
using Xunit;

namespace LDae.Tests.Tokenizers.Learned;

/// <summary>
/// The learned tokenizers' settings and counts, checked without training: every bound of the spec accepts its
/// boundary and refuses beyond it, each kind's default reconstruction loss (LDM's L1 for the conv VAE, the paper's L2
/// for the patch-wise ones), the conv FLOPs formula 2·C_out·C_in/groups·k²·(output side)², and the tokenizer's shape checks.
/// </summary>
public class LearnedTokenizerContractTests
{
    public LearnedTokenizerContractTests() => TorchRuntime.EnsureLoaded(threads: 1);

    static LearnedTokenizerSpec Minimal(string kind = PatchAe.KindName) => new()
    {
        Kind = kind, Patch = 1, LatentDim = 1, Epochs = 1, BatchSize = 1, Lr = 1e-9,
        KlWeight = 0, PerceptualWeight = 0, DiscriminatorWeight = 0, AdversarialStartStep = 0,
    };

    [Fact]
    public void The_spec_accepts_its_smallest_values_and_refuses_one_below()
    {
        Minimal().Validate();
        (Minimal(ConvVae.KindName) with { Patch = 8 }).Validate();
        (Minimal(PatchVae.KindName) with { Patch = 6 }).Validate();
        var refused = new (LearnedTokenizerSpec Spec, Type Error)[]
        {
            (Minimal() with { Patch = 0 }, typeof(ArgumentOutOfRangeException)),
            (Minimal(ConvVae.KindName) with { Patch = 6 }, typeof(ArgumentException)),
            (Minimal() with { LatentDim = 0 }, typeof(ArgumentOutOfRangeException)),
            (Minimal() with { Epochs = 0 }, typeof(ArgumentOutOfRangeException)),
            (Minimal() with { BatchSize = 0 }, typeof(ArgumentOutOfRangeException)),
            (Minimal() with { Lr = 0 }, typeof(ArgumentOutOfRangeException)),
            (Minimal() with { Lr = double.NaN }, typeof(ArgumentOutOfRangeException)),
            (Minimal() with { KlWeight = -1e-9 }, typeof(ArgumentException)),
            (Minimal() with { PerceptualWeight = -1e-9 }, typeof(ArgumentException)),
            (Minimal() with { DiscriminatorWeight = -1e-9 }, typeof(ArgumentException)),
            (Minimal() with { AdversarialStartStep = -1 }, typeof(ArgumentOutOfRangeException)),
            (Minimal() with { ConvArchitecture = new(BaseChannels: 0) }, typeof(ArgumentOutOfRangeException)),
            (Minimal() with { Perceptual = true, PerceptualNetwork = new() { Widths = [] } }, typeof(ArgumentException)),
        };
        foreach (var (spec, error) in refused)
            Assert.Equal(error, Record.Exception(spec.Validate)?.GetType());
        // the perceptual network's options matter only with the perceptual loss
        (Minimal() with { PerceptualNetwork = new() { Widths = [] } }).Validate();
        var unknown = Assert.Throws<ArgumentException>(() => (Minimal() with { Kind = "vq-gan" }).Validate());
        Assert.Contains("'vq-gan'", unknown.Message);
        Assert.Contains("conv-vae | patch-vae | patch-ae", unknown.Message);
        Assert.Contains("got 6", Assert.Throws<ArgumentException>(() => (Minimal(ConvVae.KindName) with { Patch = 6 }).Validate()).Message);
    }

    [Fact]
    public void Architecture_and_perceptual_options_check_each_field()
    {
        new ConvVaeArchitecture(1, 1, 1).Validate();
        Assert.Throws<ArgumentOutOfRangeException>(() => new ConvVaeArchitecture(MaxMultiplier: 0).Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new ConvVaeArchitecture(ResBlocksPerLevel: 0).Validate());
        // channels double per level up to the multiplier cap: 8, 16, 32, 32 (LDM's (1, 2, 4, 4) shape)
        var arch = new ConvVaeArchitecture(BaseChannels: 8, MaxMultiplier: 4);
        Assert.Equal([8, 16, 32, 32], Enumerable.Range(0, 4).Select(arch.ChannelsAt));

        new PerceptualTrainOptions { Epochs = 1, BatchSize = 1, Lr = 1e-9, Widths = [1] }.Validate();
        Assert.Throws<ArgumentOutOfRangeException>(() => new PerceptualTrainOptions { Epochs = 0 }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new PerceptualTrainOptions { BatchSize = 0 }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new PerceptualTrainOptions { Lr = 0 }.Validate());
        Assert.Throws<ArgumentException>(() => new PerceptualTrainOptions { Widths = [8, 0] }.Validate());
        Assert.Equal("epochs=4 batch=64 lr=0.005 wd=0.0001 seed=0 widths=8,16,32", new PerceptualTrainOptions().Describe());
    }

    [Fact]
    public void Each_kind_reconstructs_with_its_own_loss_unless_one_is_named()
    {
        Assert.Equal(ReconstructionLoss.L1, Minimal(ConvVae.KindName).ReconstructionLossOfKind);
        Assert.Equal(ReconstructionLoss.L2, Minimal(PatchVae.KindName).ReconstructionLossOfKind);
        Assert.Equal(ReconstructionLoss.L2, Minimal(PatchAe.KindName).ReconstructionLossOfKind);
        Assert.Equal(ReconstructionLoss.L2, (Minimal(ConvVae.KindName) with { Reconstruction = ReconstructionLoss.L2 }).ReconstructionLossOfKind);
        Assert.Equal(ReconstructionLoss.L1, (Minimal(PatchAe.KindName) with { Reconstruction = ReconstructionLoss.L1 }).ReconstructionLossOfKind);
    }

    [Fact]
    public void Conv_flops_are_two_multiply_adds_per_weight_and_output_position()
    {
        // side out = ⌊(in + 2·pad − dilation·(k − 1) − 1)/stride⌋ + 1
        using var strided = nn.Conv2d(4, 8, 3, stride: 2, padding: 1);
        Assert.Equal(8, ConvFlops.OutputSize(strided, 16));
        Assert.Equal(2.0 * 8 * 4 * 3 * 3 * 8 * 8, ConvFlops.Of(strided, 16));
        using var dilated = nn.Conv2d(2, 2, 3, dilation: 2);
        Assert.Equal(6, ConvFlops.OutputSize(dilated, 10));
        using var grouped = nn.Conv2d(4, 8, 3, padding: 1, groups: 2);
        Assert.Equal(2.0 * 8 * 2 * 3 * 3 * 5 * 5, ConvFlops.Of(grouped, 5));

        // PatchGAN, one stride-2 block of width 4 then the logit conv: 16 → 8 → 7
        using var discriminator = new PatchDiscriminator(1, width: 4, layers: 1);
        double d = 2.0 * 4 * 1 * 16 * 8 * 8 + 2.0 * 1 * 4 * 16 * 7 * 7;
        Assert.Equal(d, discriminator.ForwardFlops(16));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PatchDiscriminator(1, layers: 0));

        // patch-wise AE, p = 4, d = 3, C = 1: V and Uᵀ are 16×3 each, applied once per patch (16 patches of a 16² image)
        using var ae = new PatchAe(4, 3, 1);
        double tokenizer = 2.0 * (16 * 3 + 16 * 3) * 16;
        Assert.Equal(tokenizer, ConvFlops.TokenizerPerImage(ae, 16));
        var step = TokenizerStepFlops.For(ae, null, discriminator, 16);
        Assert.Equal(3 * tokenizer, step.ReconstructionStep);
        Assert.Equal(3 * tokenizer + 8 * d, step.AdversarialStep);
        var plain = TokenizerStepFlops.For(ae, null, null, 16);
        Assert.Equal(plain.ReconstructionStep, plain.AdversarialStep);
    }

    [Fact]
    public void A_learned_tokenizer_checks_its_sizes_and_freezes_every_parameter()
    {
        using var scope = NewDisposeScope();
        Assert.Contains("got 0", Assert.Throws<ArgumentOutOfRangeException>(() => new PatchAe(0, 3, 1)).Message);
        Assert.Contains("got 0", Assert.Throws<ArgumentOutOfRangeException>(() => new PatchAe(4, 0, 1)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new PatchAe(4, 3, 0));
        using (new PatchAe(1, 1, 1)) { }                                                       // the smallest sizes are allowed

        using var ae = PatchAe.Create(4, 3, 1, new Generator(1, CPU));
        Assert.Equal(2 * (16 * 3) + 3 + 16, ae.ParameterCount);                            // two matrices and their biases
        Assert.Contains("14×16", Assert.Throws<ArgumentException>(() => ae.Encode(zeros(1, 1, 14, 16))).Message);
        Assert.Contains("16×14", Assert.Throws<ArgumentException>(() => ae.Encode(zeros(1, 1, 16, 14))).Message);
        Assert.Contains("N×1×H×W", Assert.Throws<ArgumentException>(() => ae.Encode(zeros(1, 2, 16, 16))).Message);
        Assert.Contains("N×3×h×w", Assert.Throws<ArgumentException>(() => ae.Decode(zeros(1, 2, 4, 4))).Message);
        Assert.Throws<ArgumentException>(() => ae.Decode(zeros(3, 4, 4)));

        ae.Freeze();
        Assert.False(ae.training);
        Assert.All(ae.parameters(), p => Assert.False(p.requires_grad));
    }

    [Fact]
    public void Seeded_inits_have_the_scales_pytorch_and_the_gan_papers_give()
    {
        using var scope = NewDisposeScope();
        // PyTorch's default: weights and biases uniform in ±1/√fan_in (fan_in = C_in·k² = 36)
        // each init is given a bare layer: it initialises the module it is given as well as those below it
        using var conv = nn.Conv2d(4, 64, 3);
        SeededInit.Default(conv, new Generator(1, CPU));
        double bound = 1.0 / 6;
        Assert.InRange(conv.weight!.abs().max().item<float>(), 0.99 * bound, bound);
        Assert.InRange(conv.bias!.abs().max().item<float>(), 0.5 * bound, bound);
        Assert.InRange(conv.weight.std().item<float>(), 0.97 * bound / Math.Sqrt(3), 1.03 * bound / Math.Sqrt(3));

        // He et al.: N(0, 2/fan_in) with zero biases; VQGAN's discriminator: N(0, 0.02²) with zero biases
        using var linear = nn.Linear(200, 100);
        SeededInit.KaimingNormal(linear, new Generator(2, CPU));
        Assert.InRange(linear.weight!.std().item<float>(), 0.097, 0.103);
        Assert.Equal(0f, linear.bias!.abs().max().item<float>());
        SeededInit.Normal(linear, 0.02, new Generator(3, CPU));
        Assert.InRange(linear.weight.std().item<float>(), 0.0194, 0.0206);
        Assert.InRange(linear.weight.mean().item<float>(), -0.001, 0.001);
        Assert.Equal(0f, linear.bias.abs().max().item<float>());
    }

    [Fact]
    public void Training_data_is_scaled_to_minus_one_to_one_and_accuracy_is_the_top_1_fraction()
    {
        using var scope = NewDisposeScope();
        var bytes = tensor(new byte[] { 0, 255 }).reshape(1, 1, 1, 2);
        Assert.Equal(new float[] { -1, 1 }, TrainingData.ToModelInput(bytes).data<float>().ToArray());
        var doubles = tensor(new double[] { -0.5, 0.25 });
        var floats = TrainingData.ToModelInput(doubles);
        Assert.Equal(ScalarType.Float32, floats.dtype);
        Assert.Equal(new float[] { -0.5f, 0.25f }, floats.data<float>().ToArray());
        Assert.Contains("Int64", Assert.Throws<ArgumentException>(() => TrainingData.ToModelInput(tensor(new long[] { 1 }))).Message);

        var logits = tensor(new float[] { 2, 1, 0, 3, 1, 0 }).reshape(3, 2);
        Assert.Equal(2.0 / 3, TrainingData.Accuracy(logits, tensor(new long[] { 0, 1, 1 })), 12);
        // the sampling streams of one seed differ by purpose and by step
        Assert.NotEqual(TrainingData.DeriveSeed(0, "tokenizer-sample", 1), TrainingData.DeriveSeed(0, "tokenizer-sample", 2));
        Assert.NotEqual(TrainingData.DeriveSeed(0, "tokenizer-sample", 1), TrainingData.DeriveSeed(0, "perceptual", 1));
        Assert.Equal(TrainingData.DeriveSeed(5, "perceptual", 3), TrainingData.DeriveSeed(5, "perceptual", 3));
        // SplitMix64(SplitMix64(seed ^ FNV-1a(purpose)) + stream) with the published constants of both, computed independently
        Assert.Equal(6007200806638954464UL, TrainingData.DeriveSeed(0, "tokenizer-sample", 1));
        Assert.Equal(8825591594877516288UL, TrainingData.DeriveSeed(5, "perceptual", 3));
        Assert.Equal(15016550697104267187UL, TrainingData.DeriveSeed(-1, "tokenizer-order", 0));
    }
}
