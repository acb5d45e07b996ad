import Testing
import TelefoniaCore

@Suite struct RegionsTests {
    /// A Belo Horizonte mobile and fixed line are both in MG, Belo Horizonte.
    @Test func namesStateAndCityOfABrazilianNumber() {
        let expected = Region(areaCode: "31", state: "MG", stateName: "Minas Gerais", city: "Belo Horizonte")
        #expect(Regions.region(forE164: "+5531987654321") == expected)
        #expect(Regions.region(forE164: "+553132310805") == expected)
        #expect(Regions.region(forE164: "553132310805") == expected)
        #expect(expected.label == "Belo Horizonte/MG")
        #expect(Regions.region(forE164: "+5511987654321")?.city == "São Paulo")
        #expect(Regions.region(forE164: "+556132001000")?.state == "DF")
        #expect(Regions.region(forE164: "+559232001000")?.stateName == "Amazonas")
    }

    /// Every one of Anatel's 67 area codes has a state and a city; no other two-digit code does.
    @Test func knowsAllSixtySevenAreaCodes() {
        let all = Regions.all
        #expect(all.count == 67)
        #expect(Set(all.map(\.state)).count == 27)
        let unassigned = ["20", "23", "25", "26", "29", "30", "36", "39", "40", "50", "52", "56", "57", "58", "59", "60",
                          "70", "72", "76", "78", "80", "90"]
        for code in unassigned { #expect(Regions.region(forAreaCode: code) == nil, "\(code)") }
        for code in 11...99 where !unassigned.contains(String(code)) && code % 10 != 0 {
            #expect(Regions.region(forAreaCode: String(code)) != nil, "\(code)")
        }
        #expect(all.allSatisfy { !$0.city.isEmpty && $0.state.count == 2 && !$0.stateName.isEmpty })
        #expect(Regions.region(forAreaCode: "85")?.city == "Fortaleza")
        #expect(Regions.region(forAreaCode: "69")?.label == "Porto Velho/RO")
    }

    /// Foreign, toll-free, emergency, short and unassigned numbers have no region.
    @Test func hasNoRegionForOtherNumbers() {
        #expect(Regions.region(forE164: "+12125550100") == nil)
        #expect(Regions.region(forE164: "+558001234567") == nil)
        #expect(Regions.region(forE164: "190") == nil)
        #expect(Regions.region(forE164: "+55319876") == nil)
        #expect(Regions.region(forE164: "+552332001000") == nil)
        #expect(Regions.region(forE164: "+5531a87654321") == nil)
        #expect(Regions.region(forE164: "1001") == nil)
    }

    /// Every area code the number plan accepts with a region agrees with it on the area.
    @Test func agreesWithTheNumberPlan() throws {
        for region in Regions.all {
            let number = try NumberPlan(homeArea: "11").normalize("0\(region.areaCode)32310805")
            #expect(number.areaCode == region.areaCode)
            #expect(Regions.region(forE164: number.e164) == region)
        }
    }
}
