using Pipeline.Imaging.Fuzz;
using Pipeline.Imaging.Isolation;
using SharpFuzz;

// The afl-fuzz target of scripts/fuzz.sh and its seeds:
//   afl CONVERTER       under afl-fuzz: checks the input on stdin (and its Repaired copy) with the DifferentialOracle, converting
//                       in CONVERTER (an uninstrumented Pipeline.Converter.dll: instrumented code writes its
//                       coverage where only a fuzz target has it mapped); a violation escapes as an
//                       exception, which SharpFuzz reports to afl-fuzz as a crash
//   seeds FOLDER        writes the seed corpus (see Seeds)
//   replay FILE...      checks each file (and its Repaired copy), printing the verdicts; exits 1 on a violation
switch (args)
{
    case ["afl", var converter]:
    {
        await using var oracle = new DifferentialOracle(new ConverterCommand(Environment.ProcessPath ?? "dotnet", ["exec", Path.GetFullPath(converter)]));
        // Out of process: a child runs the inputs and is started again when it dies (a native
        // crash, or afl-fuzz's timeout), instead of the campaign ending with it.
        Fuzzer.OutOfProcess.Run(stream =>
        {
            using var input = new MemoryStream();
            stream.CopyTo(input);
            foreach (var bytes in Repaired.AndInput(input.ToArray()))
                oracle.Check(bytes);
        });
        return 0;
    }
    case ["seeds", var folder]:
    {
        Directory.CreateDirectory(folder);
        int count = 0;
        foreach (var (name, body) in Seeds.All())
        {
            File.WriteAllBytes(Path.Combine(folder, name), body);
            count++;
        }
        Console.WriteLine($"{count} seeds in {folder}");
        return 0;
    }
    case ["replay", .. var files] when files.Length > 0:
    {
        await using var oracle = new DifferentialOracle(ConverterCommand.ForThisProcess());
        int violations = 0;
        foreach (var file in files)
        {
            try
            {
                Console.WriteLine($"{file}: {string.Join(", then repaired: ", Repaired.AndInput(File.ReadAllBytes(file)).Select(oracle.Check))}");
            }
            catch (OracleViolationException e)
            {
                Console.WriteLine($"{file}: VIOLATION: {e.Message}");
                violations++;
            }
        }
        return violations == 0 ? 0 : 1;
    }
    default:
        Console.Error.WriteLine("usage: Pipeline.Imaging.Fuzz afl CONVERTER_DLL | seeds FOLDER | replay FILE...");
        return 2;
}
