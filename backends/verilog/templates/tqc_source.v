// tqc_source: a constant tensor as a stream (a binary op's constant operand, before its
// rescaling chain): the M words of a ROM ($readmemh FILE) in order, one per beat, again and
// again (once per image of the consumer, which takes M elements per image).
module tqc_source #(
    parameter M = 1,            // elements
    parameter MAW = 1,          // address width
    parameter W = 8,            // element width
    parameter FILE = "const.hex"
) (
    input clk,
    input rst,
    output out_valid,
    input out_ready,
    output [W-1:0] out_data
);
    localparam integer LAST_I = M - 1;
    localparam [MAW-1:0] LAST = LAST_I[MAW-1:0];
    reg [W-1:0] rom [0:M-1];
    initial $readmemh(FILE, rom);
    reg [MAW-1:0] addr;
    reg [W-1:0] q;
    reg q_valid;
    wire rd = !q_valid || out_ready;      // the registered read doubles as the output register
    always @(posedge clk) begin
        if (rst) begin
            addr <= {MAW{1'b0}};
            q_valid <= 1'b0;
        end else if (rd) begin
            addr <= addr == LAST ? {MAW{1'b0}} : addr + 1'b1;
            q_valid <= 1'b1;
        end
    end
    always @(posedge clk) if (rd) q <= rom[addr];
    assign out_valid = q_valid;
    assign out_data = q;
endmodule
