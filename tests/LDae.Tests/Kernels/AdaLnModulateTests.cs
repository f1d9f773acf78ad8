using LDae.Kernels;
using LDae.Runtime;
using LDae.Tests.Method;
using TorchSharp;
using static TorchSharp.torch;
using Xunit;

namespace LDae.Tests.Kernels;

public class AdaLnModulateTests
{
    public AdaLnModulateTests() => TorchRuntime.EnsureLoaded(threads: 1);

    /// <summary>x, shift and scale as the block makes them (shift and scale: chunks of one N × 1 × 2·width tensor).</summary>
    static (Tensor X, Tensor M) Inputs(int images, int tokens, int width, int seed)
    {
        var g = new Generator((ulong)seed, CPU);
        return (randn([images, tokens, width], generator: g) * 3 + 1, randn([images, 1, 2 * width], generator: g) * 0.5);
    }

    static (Tensor Y, Tensor DX, Tensor DM) Run(Func<Tensor, Tensor, Tensor, Tensor> f, Tensor x, Tensor m, Tensor upstream)
    {
        var xLeaf = x.detach().requires_grad_(true);
        var mLeaf = m.detach().requires_grad_(true);
        var parts = mLeaf.chunk(2, 2);
        var y = f(xLeaf, parts[0], parts[1]);
        y.backward([upstream]);
        return (y.detach(), xLeaf.grad!.detach(), mLeaf.grad!.detach());
    }

    static Tensor Reference(Tensor x, Tensor shift, Tensor scale) =>
        nn.functional.layer_norm(x, [x.shape[2]], eps: 1e-6) * (scale + 1) + shift;

    [Theory]
    [InlineData(96)]   // the quick model
    [InlineData(64)]   // ci / base
    [InlineData(48)]
    public void Matches_layer_norm_then_modulation_in_value_and_gradients(int width)
    {
        using var scope = NewDisposeScope();
        var (x, m) = Inputs(5, 16, width, seed: width);
        var upstream = randn([5, 16, width], generator: new Generator(1, CPU));
        var (y, dx, dm) = Run((a, b, c) => AdaLnModulate.Apply(a, b, c, 1e-6), x, m, upstream);
        var (yRef, dxRef, dmRef) = Run(Reference, x, m, upstream);
        Assert.True((y - yRef).abs().max().item<float>() < 1e-5);
        Assert.True((dx - dxRef).abs().max().item<float>() < 1e-5);
        Assert.True((dm - dmRef).abs().max().item<float>() < 1e-4);   // sums over 16 tokens
    }

    [Fact]
    public void Several_threads_give_the_same_bits_as_one()
    {
        using var scope = NewDisposeScope();
        var (x, m) = Inputs(64, 16, 96, seed: 3);
        var upstream = randn([64, 16, 96], generator: new Generator(2, CPU));
        var (one, two) = TensorAssert.OnOneThenTwoThreads(() => Run((a, b, c) => AdaLnModulate.Apply(a, b, c, 1e-6), x, m, upstream));
        Assert.True(TensorAssert.Identical(one.Y, two.Y));
        Assert.True(TensorAssert.Identical(one.DX, two.DX));
        Assert.True(TensorAssert.Identical(one.DM, two.DM));
    }

    [Fact]
    public void A_constant_row_normalises_to_zero_and_widths_it_cannot_take_are_refused()
    {
        using var scope = NewDisposeScope();
        var x = full(2, 16, 32, 7f);                        // σ² = 0: x̂ = 0, so y = shift
        var shift = randn([2, 1, 32], generator: new Generator(4, CPU));
        var y = AdaLnModulate.Apply(x, shift, zeros(2, 1, 32), 1e-6);
        Assert.True((y - shift).abs().max().item<float>() < 1e-6);

        Assert.False(AdaLnModulate.Supports(zeros(2, 16, 40)));
        Assert.False(AdaLnModulate.Supports(zeros(2, 16, 32, dtype: float64)));
        Assert.Throws<ArgumentException>(() => AdaLnModulate.Apply(zeros(2, 16, 40), zeros(2, 1, 40), zeros(2, 1, 40), 1e-6));
    }
}
