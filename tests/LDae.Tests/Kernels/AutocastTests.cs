using LDae.Kernels;
using LDae.Method.Baselines;
using LDae.Models;
using LDae.Runtime;
using TorchSharp;
using static TorchSharp.torch;
using Xunit;

namespace LDae.Tests.Kernels;

public class AutocastTests
{
    public AutocastTests() => TorchRuntime.EnsureLoaded(threads: 1);

    [Fact]
    public void Inside_bf16_a_linear_layer_computes_in_bf16_and_outside_in_fp32()
    {
        using var scope = NewDisposeScope();
        using var layer = nn.Linear(8, 4);
        var x = randn(2, 8);
        Assert.Equal(ScalarType.Float32, Autocast.Linear(layer, x).dtype);
        using (Autocast.Use(ComputePrecision.Bf16))
        {
            Assert.True(Autocast.IsBf16);
            using (Autocast.Use(ComputePrecision.Fp32)) Assert.Equal(ScalarType.Float32, Autocast.Linear(layer, x).dtype);
            var y = Autocast.Linear(layer, x);
            Assert.Equal(ScalarType.BFloat16, y.dtype);
            // the same map up to bfloat16 rounding of operands and result (8 significant bits)
            Assert.True(y.to_type(ScalarType.Float32).allclose(layer.forward(x), rtol: 0.02, atol: 0.02));
        }
        Assert.False(Autocast.IsBf16);
    }

    [Fact]
    public void The_setting_is_per_thread()
    {
        using (Autocast.Use(ComputePrecision.Bf16))
        {
            bool other = true;
            var thread = new Thread(() => other = Autocast.IsBf16);
            thread.Start();
            thread.Join();
            Assert.False(other);
        }
    }

    static BackboneOptions Tiny() =>
        new(InChannels: 3, OutChannels: 3, Patch: 2, GridSize: 8, Width: 32, Depth: 2, Heads: 2, MlpRatio: 2,
            ClassConditional: false, NumClasses: 10, Placement: ConditioningPlacement.Both, TimestepConditional: true);

    /// <summary>The loss and each parameter's gradient of one denoising step on a fixed batch.</summary>
    static (double Loss, Dictionary<string, Tensor> Grads) Step(DiffusionTransformer model, ComputePrecision precision)
    {
        using var g = new Generator(3, CPU);
        var x = randn([16, 3, 8, 8], generator: g);
        var t = randint(1, 1001, [16], generator: g);
        var target = randn([16, 3, 8, 8], generator: g);
        model.zero_grad();
        Tensor loss;
        using (Autocast.Use(precision))
        {
            var output = model.forward(x, t, null);
            Assert.Equal(ScalarType.Float32, output.dtype);         // the loss is computed in float32
            loss = nn.functional.mse_loss(output, target);
        }
        loss.backward();
        var grads = model.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad!.clone());
        return (loss.item<float>(), grads);
    }

    [Fact]
    public void Bf16_gradients_of_one_step_are_within_bf16_rounding_of_fp32_and_are_fp32()
    {
        using var scope = NewDisposeScope();
        using var model = DiffusionTransformer.Create(Tiny());
        using (no_grad())
        {
            // the zero-initialised gates and output would hide the blocks from the gradient: perturb them as training would
            var g = new Generator(1, CPU);
            foreach (var (_, p) in model.named_parameters()) p.add_(randn(p.shape, generator: g).mul_(0.05));
        }
        var (fp32Loss, fp32) = Step(model, ComputePrecision.Fp32);
        var (bf16Loss, bf16) = Step(model, ComputePrecision.Bf16);

        Assert.True(Math.Abs(bf16Loss - fp32Loss) <= 0.02 * Math.Abs(fp32Loss), $"loss {bf16Loss} vs {fp32Loss}");
        double largest = 0;
        foreach (var (name, reference) in fp32)
        {
            var got = bf16[name];
            Assert.Equal(ScalarType.Float32, got.dtype);
            double norm = reference.norm().item<float>();
            if (norm < 1e-6) continue;
            // bfloat16 keeps 8 significant bits (relative rounding 2⁻⁹ ≈ 0.2 %); a step's chain of products stays within a few %
            double relative = (got - reference).norm().item<float>() / norm;
            largest = Math.Max(largest, relative);
            Assert.True(relative < 0.05, $"{name}: relative gradient error {relative:F4}");
        }
        // and it did compute in bfloat16: float32 would agree to ~1e-6
        Assert.True(largest > 1e-4, $"largest relative gradient difference {largest:G3}: the products did not run in bfloat16");
    }

    [Fact]
    public void A_masked_autoencoder_loss_runs_in_bf16_and_matches_fp32()
    {
        using var scope = NewDisposeScope();
        var o = new MaeOptions();
        using var init = new Generator(0, CPU);
        using var mae = new MaskedAutoencoder(8, 1, 2, width: 32, encoderDepth: 2, heads: 2, mlpRatio: 2, o.DecoderWidth(32, 2), o.DecoderDepth(2), o, init);
        var images = randn(4, 1, 8, 8);
        double Loss(ComputePrecision p)
        {
            using var g = new Generator(5, CPU);
            using (Autocast.Use(p)) return mae.Loss(images, null, g).Total.item<float>();
        }
        double fp32 = Loss(ComputePrecision.Fp32), bf16 = Loss(ComputePrecision.Bf16);
        Assert.NotEqual(fp32, bf16);
        Assert.True(Math.Abs(bf16 - fp32) <= 0.03 * Math.Abs(fp32), $"{bf16} vs {fp32}");
    }

    [Theory]
    [InlineData("flags\t\t: fpu sse2 avx512f avx512_bf16 avx512_vnni\n", "avx512_bf16")]
    [InlineData("flags\t\t: fpu avx512_bf16 amx_bf16 amx_tile\n", "amx_bf16")]
    [InlineData("flags\t\t: fpu sse2 avx2 avx512f\n", null)]
    [InlineData("model name\t: avx512_bf16 in a name is not a flag\n", null)]
    public void The_native_bf16_feature_is_read_from_cpuinfo_flags(string cpuinfo, string? expected) =>
        Assert.Equal(expected, Bf16Support.CpuFeature(cpuinfo));
}
