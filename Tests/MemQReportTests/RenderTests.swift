import Testing
import MemQCore
import MemQReport
import MemQZoo

/// The table, CSV and number renderers.
@Suite struct RenderTests {
    static let lenet = try! SummaryResult(try! ModelSource("lenet5").analysis(), batch: 1)

    @Test func csvHasHeaderAndOneLinePerLayer() {
        let lines = Self.lenet.renderCSV().split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.last == "")                                   // ends in a newline
        #expect(lines.count - 1 == Self.lenet.layers.count + 1)
        #expect(lines.first.map(String.init) == SummaryResult.csvHeader.joined(separator: ","))
        #expect(lines[1].hasPrefix("input,input,1x1x32x32,0,"))
        // conv1: output 6*28*28*4 = 18,816 bytes; memory access (1*32*32 + 6*28*28)*4 + 156*4 = 23,536 bytes.
        #expect(lines.contains("conv1,conv2d,1x6x28x28,156,true,0,117600,235200,18816,23536,"))
    }

    @Test func tableHasUnitsAndTotals() {
        let text = Self.lenet.renderText()
        #expect(text.contains("binary units"))
        let total = text.split(separator: "\n").first { $0.hasPrefix("Total") }
        #expect(total != nil)
        #expect(total?.contains("61,706") == true)
        #expect(total?.contains("416,520") == true)
        #expect(total?.contains("841,124") == true)
        #expect(text.contains("833,040"))                        // 2 x MACs
        // Numbers are right-aligned: every body row's Params cell ends at the header's Params column end.
        let lines = text.split(separator: "\n").map(String.init)
        let header = lines.first { $0.hasPrefix("Layer") }!
        let paramsEnd = header.range(of: "Params")!.upperBound.utf16Offset(in: header)
        let conv1 = lines.first { $0.hasPrefix("conv1 ") }!
        let prefix = String(conv1.prefix(paramsEnd))
        #expect(prefix.hasSuffix(" 156"), "\(prefix)")
    }

    @Test func csvQuotesFields() {
        #expect(CSVWriter.line(["a,b", "say \"hi\"", "plain"]) == "\"a,b\",\"say \"\"hi\"\"\",plain\n")
    }

    @Test("groups thousands", arguments: [(0, "0"), (999, "999"), (1_000, "1,000"), (61_706, "61,706"),
                                          (4_089_184_256, "4,089,184,256"), (-1_234_567, "-1,234,567")])
    func grouped(_ value: Int, _ text: String) {
        #expect(NumberFormatting.grouped(value) == text)
    }

    @Test("compacts with SI prefixes", arguments: [(999, "999"), (416_520, "417 k"), (4_089_184_256, "4.09 G"),
                                                   (11_689_512, "11.7 M"), (999_999, "1.00 M")])
    func compact(_ value: Int, _ text: String) {
        #expect(NumberFormatting.compact(value) == text)
    }

    @Test func modelsForOneFamily() throws {
        let result = try ModelsResult(family: "ResNet")
        #expect(!result.models.isEmpty)
        #expect(result.models.allSatisfy { $0.family == "resnet" && $0.error == nil })
        let r18 = try #require(result.models.first { $0.name == "resnet18" })
        #expect(r18.params == 11_689_512)
        #expect(r18.inputShape == [3, 224, 224])
        #expect(result.renderCSV().split(separator: "\n").count == result.models.count + 1)
        #expect(result.renderText().contains("11,689,512"))
    }

    @Test func unknownFamilyListsTheValidOnes() {
        #expect(throws: ReportError.self) { try ModelsResult(family: "resnt") }
        do throws(ReportError) {
            _ = try ModelsResult(family: "resnt")
        } catch {
            #expect(error.description.contains("unknown family 'resnt'"))
            #expect(error.description.contains("resnet"))
        }
    }
}
