using LDae.Kernels;
using LDae.Runtime;
using LDae.Tests.Method;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using Xunit;

namespace LDae.Tests.Kernels;

public class GeluTanhTests
{
    public GeluTanhTests() => TorchRuntime.EnsureLoaded(threads: 1);

    /// <summary>The tanh-approximate GELU and its derivative in float64, from the textbook formula.</summary>
    static (Tensor Value, Tensor Derivative) Reference(Tensor x)
    {
        var d = x.to(float64);
        const double a = 0.7978845608028654, b = 0.044715;   // √(2/π)
        var t = (a * (d + b * d.pow(3))).tanh();
        return (0.5 * d * (1 + t), 0.5 * (1 + t) + 0.5 * d * (1 - t * t) * a * (1 + 3 * b * d * d));
    }

    static (Tensor Value, Tensor Grad) ValueAndGrad(Func<Tensor, Tensor> f, Tensor x, Tensor upstream)
    {
        var leaf = x.detach().requires_grad_(true);
        var y = f(leaf);
        y.backward([upstream]);
        return (y.detach(), leaf.grad!.detach());
    }

    [Fact]
    public void Matches_the_tanh_approximate_gelu_and_its_gradient()
    {
        using var scope = NewDisposeScope();
        var g = new Generator(3, CPU);
        // 4099 values: not a multiple of the vector width, so the scalar tail runs too; wide range incl. saturation
        var x = cat([randn([4096], generator: g) * 4, tensor(new[] { -30f, 0f, 30f })]);
        var upstream = randn([4099], generator: g);
        var (value, grad) = ValueAndGrad(GeluTanh.Apply, x, upstream);
        var (refValue, refDerivative) = Reference(x);

        Assert.True((value.to(float64) - refValue).abs().max().item<double>() < 2e-6);
        Assert.True((grad.to(float64) - upstream.to(float64) * refDerivative).abs().max().item<double>() < 2e-5);
        // and within float rounding of libtorch's own kernel
        var (torchValue, torchGrad) = ValueAndGrad(t => nn.functional.gelu(t, GELU.Approximate.tanh), x, upstream);
        Assert.True((value - torchValue).abs().max().item<float>() < 2e-6);
        Assert.True((grad - torchGrad).abs().max().item<float>() < 2e-5);
        Assert.Equal(new[] { -0f, 0f, 30f }, value[TensorIndex.Slice(4096)].data<float>().ToArray());
    }

    [Fact]
    public void Negative_inputs_keep_their_relative_accuracy()
    {
        // ½·x·(1 + tanh u) cancels for negative x (libtorch returns 0 from x ≈ −6.5 on); x·σ(2u) does not.
        // The reference is the σ form in float64 (the tanh form cancels in float64 too from x ≈ −7).
        using var scope = NewDisposeScope();
        var x = linspace(-9, -3, 601, dtype: float32);
        var value = GeluTanh.Apply(x).to(float64);
        var d = x.to(float64);
        var reference = d * (2 * 0.7978845608028654 * (d + 0.044715 * d.pow(3))).sigmoid();
        Assert.True(((value - reference).abs() / reference.abs()).max().item<double>() < 2e-5);
    }

    [Fact]
    public void Several_threads_give_the_same_bits_as_one()
    {
        using var scope = NewDisposeScope();
        var g = new Generator(5, CPU);
        var x = randn([3, 70001], generator: g);          // large enough to be split, odd-sized chunks
        var upstream = randn([3, 70001], generator: g);
        var ((one, oneGrad), (two, twoGrad)) = TensorAssert.OnOneThenTwoThreads(() => ValueAndGrad(GeluTanh.Apply, x, upstream));
        Assert.True(TensorAssert.Identical(one, two));
        Assert.True(TensorAssert.Identical(oneGrad, twoGrad));
    }

    [Fact]
    public void Non_contiguous_and_float64_inputs_work()
    {
        using var scope = NewDisposeScope();
        var g = new Generator(7, CPU);
        var x = randn([64, 48], generator: g).t();          // a transposed view
        var (value, grad) = ValueAndGrad(GeluTanh.Apply, x, ones_like(x));
        var (refValue, refDerivative) = Reference(x);
        Assert.True((value.to(float64) - refValue).abs().max().item<double>() < 2e-6);
        Assert.True((grad.to(float64) - refDerivative).abs().max().item<double>() < 2e-5);

        var x64 = x.to(float64);                          // not the fused kernel: libtorch's
        Assert.False(GeluTanh.Supports(x64));
        Assert.Equal(ScalarType.Float64, Ops.GeluTanh(x64).dtype);
    }

    [Fact]
    public void Runs_without_a_graph_under_inference_mode()
    {
        using var scope = NewDisposeScope();
        var x = randn([10, 384], generator: new Generator(9, CPU)).requires_grad_(true);
        using (inference_mode())
        {
            var y = GeluTanh.Apply(x);
            Assert.False(y.requires_grad);
        }
    }
}
