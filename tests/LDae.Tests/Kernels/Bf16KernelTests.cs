using System.Runtime.InteropServices;
using LDae.Kernels;
using LDae.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using Xunit;

namespace LDae.Tests.Kernels;

/// <summary>The hand-written kernels' bfloat16 path: widened on load, float32 arithmetic, rounded as libtorch rounds.</summary>
public class Bf16KernelTests
{
    public Bf16KernelTests() => TorchRuntime.EnsureLoaded(threads: 1);

    static ushort[] Bits(Tensor bf16) => MemoryMarshal.Cast<byte, ushort>(bf16.contiguous().bytes).ToArray();

    static float[] Values()
    {
        var g = new Generator(11, CPU);
        var random = (randn([16 * 200], generator: g) * 50).data<float>().ToArray();
        // exact ties between two bfloat16 values (both parities), the largest finite, infinities, signed zeros, NaN, subnormals
        float[] special = [BitConverter.UInt32BitsToSingle(0x3F808000), BitConverter.UInt32BitsToSingle(0x3F818000), float.MaxValue,
            float.PositiveInfinity, float.NegativeInfinity, 0f, -0f, float.NaN, 1e-40f, -1e-40f, 1f, -1f, 3.14159f, 65504f, 1e30f, -1e-30f];
        return random.Concat(special).ToArray();
    }

    [Fact]
    public void Rounding_to_bf16_matches_libtorch_bit_for_bit_in_both_vector_forms()
    {
        var x = Values();
        var expected = Bits(tensor(x).to_type(ScalarType.BFloat16));
        ushort[] Round<V>() where V : struct, ILanes16<V>
        {
            var bits = new ushort[x.Length];
            for (int i = 0; i < x.Length; i += SimdMath.Lanes) V.Load(ref x[i], 0).StoreBf16(ref bits[i], 0);
            return bits;
        }
        Assert.Equal(expected, Round<Wide16>());
        Assert.Equal(expected, Round<Pair16>());
    }

    [Fact]
    public void Widening_bf16_is_exact_in_both_vector_forms()
    {
        var bf16 = tensor(Values()).to_type(ScalarType.BFloat16);
        var bits = Bits(bf16);
        var expected = bf16.to_type(ScalarType.Float32).data<float>().ToArray();
        float[] Widen<V>() where V : struct, ILanes16<V>
        {
            var values = new float[bits.Length];
            for (int i = 0; i < bits.Length; i += SimdMath.Lanes) V.LoadBf16(ref bits[i], 0).Store(ref values[i], 0);
            return values;
        }
        Assert.Equal(expected, Widen<Wide16>());
        Assert.Equal(expected, Widen<Pair16>());
    }

    [Fact]
    public void Gelu_on_bf16_is_the_float32_kernel_rounded_once_and_matches_libtorch_within_one_bf16_step()
    {
        using var scope = NewDisposeScope();
        var g = new Generator(4, CPU);
        var x = (randn([4099], generator: g) * 4).to_type(ScalarType.BFloat16);   // a partial last vector too
        var upstream = randn([4099], generator: g).to_type(ScalarType.BFloat16);
        var leaf = x.detach().requires_grad_(true);
        var y = Ops.GeluTanh(leaf);
        Assert.Equal(ScalarType.BFloat16, y.dtype);
        y.backward([upstream]);

        // exactly the float32 kernel on the widened input, rounded once
        var wide = x.to_type(ScalarType.Float32);
        Assert.Equal(Bits(GeluTanh.Apply(wide).to_type(ScalarType.BFloat16)), Bits(y));

        // and libtorch's bfloat16 gelu (also float32 inside, rounded once) within one bfloat16 step (2⁻⁸ relative)
        var torchLeaf = x.detach().requires_grad_(true);
        var torchY = nn.functional.gelu(torchLeaf, GELU.Approximate.tanh);
        torchY.backward([upstream]);
        Assert.True(y.to_type(ScalarType.Float32).allclose(torchY.to_type(ScalarType.Float32), rtol: 1.0 / 128, atol: 1e-3));
        Assert.True(leaf.grad!.to_type(ScalarType.Float32).allclose(torchLeaf.grad!.to_type(ScalarType.Float32), rtol: 1.0 / 64, atol: 1e-2));
    }
}
