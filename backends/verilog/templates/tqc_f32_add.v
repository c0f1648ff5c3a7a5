// tqc_f32_add: IEEE 754 binary32 sum a+b rounded to nearest, ties to even (a float32
// CPU add), combinational; an exact zero sum is +0 (x + -x), -0 only for -0 + -0.
// Domain (what tqc_resize_f32 feeds it; backends/verilog/emit_resize_f32.py proves it from
// the weight ROMs at compile time): operands finite, +-0 or normal, and the result +-0 or
// normal: no NaN, no infinity, no subnormal, no overflow. Outside it the result is
// unspecified.
module tqc_f32_add (
    input [31:0] a,
    input [31:0] b,
    output [31:0] y
);
    // x: the operand of larger magnitude (its sign is the result's), z: the other.
    wire swap = b[30:0] > a[30:0];
    wire [31:0] x = swap ? b : a;
    wire [31:0] z = swap ? a : b;
    wire x_zero = x[30:23] == 8'd0;                     // then z is zero too
    wire z_zero = z[30:23] == 8'd0;
    wire sub = x[31] ^ z[31];
    wire [7:0] d = x[30:23] - z[30:23];
    // 28 bits: carry, hidden bit (26), 23 fraction bits, guard, round, sticky
    wire [27:0] mx = {2'b01, x[22:0], 3'b000};
    wire [27:0] mz0 = z_zero ? 28'd0 : {2'b01, z[22:0], 3'b000};
    wire [27:0] mzs = mz0 >> d;
    wire lost = (mzs << d) != mz0;                      // bits shifted out (all for d >= 28)
    wire [27:0] mz = {mzs[27:1], mzs[0] | lost};
    wire [27:0] sum = sub ? mx - mz : mx + mz;          // >= 0 since |x| >= |z|
    // normalize: hidden bit to position 26
    reg [4:0] lz;
    integer i;
    always @* begin
        lz = 5'd27;
        for (i = 0; i < 27; i = i + 1)
            if (sum[i]) lz = 5'd26 - i[4:0];
    end
    wire [27:0] nr = {1'b0, sum[27:2], sum[1] | sum[0]};   // carry out: one right
    wire [27:0] nl = sum << lz;
    /* verilator lint_off UNUSEDSIGNAL */
    wire [27:0] n = sum[27] ? nr : nl;                  // n[27] = 0, n[26] = 1
    wire [8:0] e = sum[27] ? {1'b0, x[30:23]} + 9'd1 : {1'b0, x[30:23]} - {4'd0, lz};  // 1..254
    wire [23:0] m = n[26:3];
    /* verilator lint_on UNUSEDSIGNAL */
    wire inc = n[2] & (n[1] | n[0] | m[0]);
    wire [30:0] r = {e[7:0], m[22:0]} + {30'd0, inc};
    assign y = x_zero ? {x[31] & z[31], 31'd0}
             : sum == 28'd0 ? 32'd0
             : {x[31], r};
endmodule
