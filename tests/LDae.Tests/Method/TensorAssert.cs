using static TorchSharp.torch;

namespace LDae.Tests.Method;

public static class TensorAssert
{
    /// <summary>Same shape and bit-identical values.</summary>
    public static bool Identical(Tensor a, Tensor b)
    {
        if (!a.shape.SequenceEqual(b.shape)) return false;
        using var eq = a.eq(b).all();
        return eq.item<bool>();
    }

    /// <summary>
    /// Runs <paramref name="run"/> with libtorch's intra-op threads at 1, then at 2, and restores the caller's count:
    /// for checking that a kernel's thread split does not change its bits.
    /// </summary>
    public static (T One, T Two) OnOneThenTwoThreads<T>(Func<T> run)
    {
        int before = get_num_threads();
        try
        {
            set_num_threads(1);
            var one = run();
            set_num_threads(2);
            return (one, run());
        }
        finally { set_num_threads(before); }
    }
}
