// telefonia-bench: see docs/BENCHMARKS.md.
import Foundation
print("telefonia-bench: under construction")
