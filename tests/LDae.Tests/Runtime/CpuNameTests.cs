using LDae.Runtime;
using Xunit;

namespace LDae.Tests.Runtime;

public class CpuNameTests
{
    const string TwoProcessors = """
        processor	: 0
        vendor_id	: AuthenticAMD
        cpu family	: 25
        model		: 17
        model name	: AMD EPYC
        flags		: fpu avx512f avx512_bf16

        processor	: 1
        vendor_id	: AuthenticAMD
        cpu family	: 23
        model		: 1
        model name	: AMD EPYC 7551
        """;

    [Fact]
    public void The_name_carries_family_and_model_of_the_first_processor()
    {
        Assert.Equal("AMD EPYC (family 25, model 17)", CpuName.Of(TwoProcessors));
    }

    [Fact]
    public void Without_family_and_model_the_model_name_alone_and_without_a_model_name_none()
    {
        Assert.Equal("Some CPU", CpuName.Of("processor\t: 0\nmodel name\t: Some CPU\n"));
        Assert.Null(CpuName.Of("processor\t: 0\ncpu family\t: 6\n"));
    }
}
